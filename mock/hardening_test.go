package mock_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// get fetches a URL and returns the response with its body read.
func (h *harness) fetch(method, u, contentType, body string) (*http.Response, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp, b
}

// topKeys are the top-level keys of a JSON object body, which must be one
// well-formed object.
func topKeys(t *testing.T, body []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(&m); err != nil || dec.More() {
		t.Fatalf("not one JSON object (%v): %s", err, body)
	}
	return m
}

// A method value that is not an Alipay method name never becomes a node
// name: the answer is error_response, its top-level keys fixed, whatever
// the value holds.
func TestGatewayMethodNameNeverBecomesANodeName(t *testing.T) {
	h := newHarness(t, mock.Options{})
	tests := []struct {
		name, method, node string
		signed             bool
	}{
		{"JSON restructuring", `x":{"code":"10000"},"y`, "error_response", true},
		{"script", `<script>alert(document.domain)</script>`, "error_response", true},
		{"quote at the end", `alipay.trade.query"`, "error_response", true},
		{"upper case", `ALIPAY.TRADE.QUERY`, "error_response", true},
		{"no dot", `alipay`, "error_response", true},
		{"too long", "alipay." + strings.Repeat("a", 200), "error_response", true},
		{"newline", "alipay.trade.query\n", "error_response", true},
		{"unknown but well formed", "alipay.trade.nosuch", "alipay_trade_nosuch_response", true},
	}
	for _, tt := range tests {
		for _, via := range []string{"form", "query"} {
			t.Run(tt.name+"/"+via, func(t *testing.T) {
				p := h.params(tt.method, "", nil)
				var resp *http.Response
				var body []byte
				if via == "form" {
					resp, body = h.fetch("POST", h.http.URL+"/gateway.do", "application/x-www-form-urlencoded", form(p).Encode())
				} else {
					resp, body = h.fetch("GET", h.http.URL+"/gateway.do?"+form(p).Encode(), "", "")
				}
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("HTTP %d", resp.StatusCode)
				}
				keys := topKeys(t, body)
				want := map[string]bool{tt.node: true, "sign": tt.signed}
				for k := range keys {
					if !want[k] {
						t.Errorf("unexpected top-level key %q in %s", k, body)
					}
				}
				var node map[string]string
				if err := json.Unmarshal(keys[tt.node], &node); err != nil {
					t.Fatalf("node %s: %v in %s", tt.node, err, body)
				}
				if node["code"] != "40002" || node["sub_code"] != "isv.invalid-method" {
					t.Errorf("node = %v, want 40002 isv.invalid-method", node)
				}
				if tt.signed {
					r, err := sign.ParseResponse(body, tt.method)
					if err != nil || sign.Verify(h.srv.AlipayPublicKey(), sign.RSA2, r.Raw, r.Sign) != nil {
						t.Errorf("answer not signed over its node (%v): %s", err, body)
					}
				}
				if strings.Contains(string(body), "<") {
					t.Errorf("answer carries markup: %s", body)
				}
				checkStrictHeaders(t, resp)
				if ct := resp.Header.Get("Content-Type"); ct != "text/html;charset=utf-8" {
					t.Errorf("Content-Type = %q, want production's text/html;charset=utf-8", ct)
				}
			})
		}
	}
	// Unknown app: unsigned, still error_response for a bad name.
	p := h.params(`x":{"code":"10000"},"y`, "", func(p map[string]string) { p["app_id"] = "2021000000000000" })
	_, body := h.fetch("POST", h.http.URL+"/gateway.do", "application/x-www-form-urlencoded", form(p).Encode())
	if k := topKeys(t, body); len(k) != 1 || k["error_response"] == nil {
		t.Errorf("unknown app, bad method name: %s", body)
	}
}

// checkStrictHeaders asserts the headers of an answer not meant as a page.
func checkStrictHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", got)
	}
	if got := resp.Header.Get("Content-Security-Policy"); got != mock.StrictCSP {
		t.Errorf("Content-Security-Policy = %q, want %q", got, mock.StrictCSP)
	}
}

// Every surface answers with nosniff, a referrer policy and a CSP; pages
// for browsers get one that lets them work, the rest one that runs nothing.
func TestSecurityHeadersOnEverySurface(t *testing.T) {
	h := newHarness(t, mock.Options{})
	qr := h.call("alipay.trade.precreate", `{"out_trade_no":"HDR1","total_amount":"5.00","subject":"s"}`)["qr_code"].(string)
	pp := h.params("alipay.trade.page.pay", `{"out_trade_no":"HDR2","total_amount":"6.00","subject":"s","product_code":"FAST_INSTANT_TRADE_PAY"}`, nil)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(h.http.URL+"/gateway.do", form(pp))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cashier := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || cashier == "" {
		t.Fatalf("page pay: HTTP %d, Location %q", resp.StatusCode, cashier)
	}
	checkStrictHeaders(t, resp)
	badPage := h.params("alipay.trade.page.pay", `{"out_trade_no":"HDR3"}`, func(p map[string]string) { p["sign"] = "AAAA" })

	const (
		strict = iota
		page
		dashboard
	)
	tests := []struct {
		name, method, url, ctype, body string
		kind                           int
	}{
		{"gateway GET", "GET", "/gateway.do", "", "", strict},
		{"gateway POST", "POST", "/gateway.do", "application/x-www-form-urlencoded", form(h.params("alipay.trade.query", `{"out_trade_no":"HDR1"}`, nil)).Encode(), strict},
		{"gateway page error", "POST", "/gateway.do", "application/x-www-form-urlencoded", form(badPage).Encode(), strict},
		{"gateway PUT", "PUT", "/gateway.do", "", "", strict},
		{"v3", "POST", "/v3/alipay/trade/query", "application/json", `{}`, strict},
		{"v3 unknown", "GET", "/v3/nothing", "", "", strict},
		{"bill", "GET", "/downloadBillFile.resource?token=x", "", "", strict},
		{"health", "GET", "/_mock/health", "", "", strict},
		{"control list", "GET", "/_mock/trades", "", "", strict},
		{"control 404", "GET", "/_mock/nothing", "", "", strict},
		{"control bad JSON", "POST", "/_mock/clock", "application/json", `{`, strict},
		{"public key", "GET", "/_mock/alipay-public-key", "", "", strict},
		{"root 404", "GET", "/nothing", "", "", strict},
		{"dashboard", "GET", "/_mock/ui", "", "", dashboard},
		{"dashboard page", "GET", "/_mock/ui/trades", "", "", dashboard},
		{"dashboard static", "GET", "/_mock/ui/static/dash.js", "", "", dashboard},
		{"dashboard 404", "GET", "/_mock/ui/nothing", "", "", dashboard},
		{"dashboard cross-site post", "POST", "/_mock/ui/reset", "application/x-www-form-urlencoded", "", dashboard},
		{"QR page", "GET", strings.TrimPrefix(qr, h.http.URL), "", "", page},
		{"QR PNG", "GET", strings.TrimPrefix(qr, h.http.URL) + ".png", "", "", page},
		{"QR unknown", "GET", "/qr/nothing", "", "", page},
		{"cashier", "GET", strings.TrimPrefix(cashier, h.http.URL), "", "", page},
		{"cashier unknown", "GET", "/cashier/nothing", "", "", page},
		{"cashier post", "POST", strings.TrimPrefix(cashier, h.http.URL), "application/x-www-form-urlencoded", "action=nothing", page},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, h.http.URL+tt.url, strings.NewReader(tt.body))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			if tt.name == "dashboard cross-site post" {
				req.Header.Set("Sec-Fetch-Site", "cross-site")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			hd := resp.Header
			if hd.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("HTTP %d without nosniff", resp.StatusCode)
			}
			if hd.Get("Referrer-Policy") != "same-origin" {
				t.Errorf("Referrer-Policy = %q", hd.Get("Referrer-Policy"))
			}
			csp := hd.Get("Content-Security-Policy")
			switch tt.kind {
			case strict:
				if csp != mock.StrictCSP || hd.Get("X-Frame-Options") != "DENY" {
					t.Errorf("HTTP %d: CSP %q, X-Frame-Options %q", resp.StatusCode, csp, hd.Get("X-Frame-Options"))
				}
			case dashboard:
				if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") ||
					strings.Contains(csp, "unsafe") || hd.Get("X-Frame-Options") != "DENY" {
					t.Errorf("HTTP %d: CSP %q, X-Frame-Options %q", resp.StatusCode, csp, hd.Get("X-Frame-Options"))
				}
			case page:
				if !strings.HasPrefix(csp, "default-src 'none'") || strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe") {
					t.Errorf("HTTP %d: CSP %q", resp.StatusCode, csp)
				}
			}
		})
	}
}

// The buyer pages' inline stylesheet is the one their CSP allows by hash,
// so they keep their look under a policy without 'unsafe-inline'.
func TestBuyerPageStyleMatchesItsCSP(t *testing.T) {
	h := newHarness(t, mock.Options{})
	qr := h.call("alipay.trade.precreate", `{"out_trade_no":"CSP1","total_amount":"5.00","subject":"s"}`)["qr_code"].(string)
	for _, u := range []string{qr, h.http.URL + "/qr/nothing"} {
		resp, body := h.fetch("GET", u, "", "")
		csp := resp.Header.Get("Content-Security-Policy")
		styles := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(string(body), -1)
		for _, m := range styles {
			sum := sha256.Sum256([]byte(m[1]))
			if want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) {
				t.Errorf("%s: style %s not allowed by %q", u, want, csp)
			}
		}
		if u == qr && len(styles) == 0 {
			t.Errorf("no stylesheet on the QR page: %s", body)
		}
		if strings.Contains(string(body), "<script") || strings.Contains(string(body), " style=") {
			t.Errorf("%s: inline script or style attribute, which the CSP blocks: %s", u, body)
		}
	}
}

// The cashier's error page shows the string to sign escaped exactly once:
// production's sub_msg escapes it for HTML, the template must not again.
func TestCashierErrorPageEscapesOnce(t *testing.T) {
	h := newHarness(t, mock.Options{})
	p := h.params("alipay.trade.page.pay", `{"out_trade_no":"ESC1","total_amount":"6.00","subject":"a&b \"c\" <d>","product_code":"FAST_INSTANT_TRADE_PAY"}`, nil)
	p["sign"] = "AAAA" // after signing: verification fails
	resp, body := h.fetch("POST", h.http.URL+"/gateway.do", "application/x-www-form-urlencoded", form(p).Encode())
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("HTTP %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	m := regexp.MustCompile(`<p>错误原因: (.*?)</p>`).FindStringSubmatch(string(body))
	if m == nil {
		t.Fatalf("no reason on the page: %s", body)
	}
	if strings.Contains(m[1], "&amp;quot;") || strings.Contains(m[1], "&amp;amp;") || strings.Contains(m[1], "&amp;lt;") {
		t.Errorf("escaped twice: %s", m[1])
	}
	if strings.ContainsAny(m[1], `<>"`) {
		t.Errorf("not escaped: %s", m[1])
	}
	shown := html.UnescapeString(m[1]) // what the browser shows
	if !strings.HasSuffix(shown, sign.RequestContent(p)) {
		t.Errorf("page shows %q, want it to end with the string to sign %q", shown, sign.RequestContent(p))
	}
	checkStrictHeaders(t, resp)
}

// The gateway answers GET with a query, so a crafted link can carry a
// valid dev-key signature and markup in a field the answer echoes. The
// answer stays production's text/html, and the browser renders it: the
// markup must stay inert (sandboxed, no script, opaque origin), while the
// same body from a server without the CSP does run (the payload is real).
// The buyer pages keep their stylesheet and the dashboard its script.
func TestBrowserGatewayEchoIsInertAndPagesWork(t *testing.T) {
	ctx := browser(t)
	h := newHarness(t, mock.Options{})
	p := h.params("alipay.trade.query", `{"out_trade_no":"<img src=x onerror=document.title=1>"}`, nil)
	link := h.http.URL + "/gateway.do?" + form(p).Encode()
	resp, body := h.fetch("GET", link, "", "")
	if !strings.Contains(string(body), "<img src=x onerror=document.title=1>") {
		t.Fatalf("the answer does not echo the markup, so this test proves nothing: %s", body)
	}
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		_, _ = w.Write(body)
	}))
	defer plain.Close()
	var title, origin string
	if err := chromedp.Run(ctx, chromedp.Navigate(plain.URL), chromedp.Title(&title)); err != nil {
		t.Fatal(err)
	}
	if title != "1" {
		t.Fatalf("without the CSP the payload should run (title %q): the check below would prove nothing", title)
	}
	if err := chromedp.Run(ctx, chromedp.Navigate(link), chromedp.Title(&title),
		chromedp.Evaluate(`String(self.origin)`, &origin)); err != nil {
		t.Fatal(err)
	}
	if title == "1" {
		t.Error("markup echoed by gateway.do ran script on the mock's origin")
	}
	if origin != "null" {
		t.Errorf("gateway.do answer rendered with origin %q, want the sandbox's opaque origin", origin)
	}

	// The QR page's inline stylesheet applies under its hash-based CSP.
	qr := h.call("alipay.trade.precreate", `{"out_trade_no":"BCSP1","total_amount":"5.00","subject":"s"}`)["qr_code"].(string)
	var color string
	if err := chromedp.Run(ctx, chromedp.Navigate(qr), chromedp.WaitVisible("#amount", chromedp.ByQuery),
		chromedp.Evaluate(`getComputedStyle(document.getElementById("amount")).color`, &color)); err != nil {
		t.Fatal(err)
	}
	if color != "rgb(255, 102, 0)" {
		t.Errorf("QR page amount colour %q: its stylesheet was blocked", color)
	}
	// The dashboard's own script runs under its CSP: it shows the live toggle.
	var shown bool
	if err := chromedp.Run(ctx, chromedp.Navigate(h.http.URL+"/_mock/ui"),
		chromedp.Poll(`!document.getElementById("live-toggle").hidden`, &shown)); err != nil || !shown {
		t.Errorf("dashboard script did not run under the CSP: %v", err)
	}
}

// A clock handed to the library outside the clock's range is brought into
// it, so the clock can always be shown and stored (before, a frozen clock
// at year 10000 made /_mock/clock answer 500 while health said ok).
func TestLibraryClockOutOfRangeIsClamped(t *testing.T) {
	for _, c := range []*clock.Sim{
		clock.NewManual(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)),
		clock.NewSim(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), math.Inf(1)),
		clock.NewSim(epoch, math.NaN()),
	} {
		srv := mock.NewTestServer(t, mock.Options{Clock: c})
		for _, path := range []string{"/_mock/clock", "/_mock/health"} {
			resp, err := http.Get(srv.URL() + path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s: HTTP %d %s", path, resp.StatusCode, b)
			}
		}
		if now := c.Now(); clock.CheckReading(now) != nil {
			t.Errorf("clock reads %v, outside its range", now)
		}
	}
}

// A scenario's regexes are bounded by what they compile to, one by one and
// per file: before, a 1 MiB upload of [\p{L}\p{N}]{1000} conditions kept
// 369 MB.
func TestScenarioRegexSizeIsBounded(t *testing.T) {
	h := newHarness(t, mock.Options{})
	upload := func(rules int, pattern string) (int, string) {
		var b strings.Builder
		b.WriteString("rules:\n")
		for i := 0; i < rules; i++ {
			fmt.Fprintf(&b, "- when: {method: alipay.trade.query, biz: {out_trade_no: {regex: '%s'}}}\n  then: {respond: {code: \"40004\", sub_code: ACQ.SYSTEM_ERROR}}\n", pattern)
		}
		resp, body := h.fetch("POST", h.http.URL+"/_mock/scenarios", "application/yaml", b.String())
		return resp.StatusCode, string(body)
	}
	if code, body := upload(1, `[\p{L}\p{N}]{1000}`); code != http.StatusBadRequest || !strings.Contains(body, "over the limit") {
		t.Errorf("one huge regex: HTTP %d %s", code, body)
	}
	medium := `a{1000}b{1000}c{1000}d{1000}` // about 8,000 each
	if code, body := upload(12, medium); code != http.StatusCreated {
		t.Errorf("12 medium regexes: HTTP %d %s", code, body)
	}
	if code, body := upload(13, medium); code != http.StatusBadRequest || !strings.Contains(body, "in all") {
		t.Errorf("13 medium regexes: HTTP %d %s", code, body)
	}
	if code, body := upload(1, `^FAIL-[0-9]+$`); code != http.StatusCreated {
		t.Errorf("an ordinary regex: HTTP %d %s", code, body)
	}
}

// notify_url and return_url are http(s) only, on gateway.do, v3 and in a
// scenario's notify.url: no file, gopher, ftp or javascript URL is ever
// fetched or redirected to.
func TestNotifyAndReturnURLSchemes(t *testing.T) {
	h := newHarness(t, mock.Options{})
	for _, u := range []string{"file:///etc/passwd", "gopher://127.0.0.1:6379/_FLUSHALL", "ftp://x/y", "javascript:alert(1)",
		"//merchant.test/notify", "http:///nohost", "http://merchant.test/" + strings.Repeat("a", 260)} {
		for _, k := range []string{"notify_url", "return_url"} {
			p := h.params("alipay.trade.precreate", `{"out_trade_no":"URL1","total_amount":"1.00","subject":"s"}`,
				func(p map[string]string) { p[k] = u })
			expect(t, h.verify("alipay.trade.precreate", h.post(p), true), "code", "40002", "sub_code", "isv.invalid-parameter")
		}
		rule := fmt.Sprintf("rules:\n- when: {method: alipay.trade.precreate}\n  then: {notify: {url: %q}}\n", u)
		if resp, body := h.fetch("POST", h.http.URL+"/_mock/scenarios", "application/yaml", rule); resp.StatusCode != http.StatusBadRequest ||
			!strings.Contains(string(body), "notify.url") {
			t.Errorf("scenario notify.url %s: HTTP %d %s", u, resp.StatusCode, body)
		}
	}
	e := newV3Env(t)
	r := e.do(v3Req{uri: "/v3/alipay/trade/precreate", body: `{"out_trade_no":"URL2","total_amount":"1.00","subject":"s","notify_url":"file:///etc/passwd"}`})
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "notify_url") {
		t.Errorf("v3 file notify_url: HTTP %d %s", r.status, r.body)
	}
}

// Bodies are bounded: over 1 MiB, or more than 800 parameter pairs (the
// same key repeated included), a
// gateway.do request gets an Alipay error before anything is parsed or
// kept; a v3 body over 1 MiB gets v3's error.
func TestRequestSizeLimits(t *testing.T) {
	h := newHarness(t, mock.Options{})
	signed := form(h.params("alipay.trade.query", `{"out_trade_no":"SIZE1"}`, nil)).Encode()
	var multipartBody bytes.Buffer
	mw := multipart.NewWriter(&multipartBody)
	_ = mw.WriteField("biz_content", strings.Repeat("x", 1<<20+1))
	_ = mw.Close()
	tests := []struct{ name, ctype, body, query string }{
		{"body over 1 MiB", "application/x-www-form-urlencoded", signed + "&pad=" + strings.Repeat("x", 1<<20), ""},
		{"many pairs", "application/x-www-form-urlencoded", signed + strings.Repeat("&a=", 1000), ""},
		{"many pairs in the query", "", "", signed + strings.Repeat("&a=", 1000)},
		{"multipart over 1 MiB", mw.FormDataContentType(), multipartBody.String(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := "POST"
			if tt.body == "" {
				method = "GET"
			}
			resp, body := h.fetch(method, h.http.URL+"/gateway.do?"+tt.query, tt.ctype, tt.body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("HTTP %d %s", resp.StatusCode, body)
			}
			var m map[string]map[string]string
			if err := json.Unmarshal(body, &m); err != nil || m["error_response"]["sub_code"] != "isv.invalid-parameter" {
				t.Errorf("%.300s", body)
			}
		})
	}
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"SIZE1"}`), "sub_code", "ACQ.TRADE_NOT_EXIST")

	e := newV3Env(t)
	r := e.do(v3Req{uri: "/v3/alipay/trade/query", body: `{"out_trade_no":"` + strings.Repeat("x", 1<<20) + `"}`})
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `"code":"invalid-parameter"`) {
		t.Errorf("v3 body over 1 MiB: HTTP %d %.300s", r.status, r.body)
	}
	// A 60 KiB Authorization of junk pairs: a v3 error, not a crash or a hang.
	authz := "ALIPAY-SHA256withRSA app_id=" + keys.DevAppID + strings.Repeat(",x=y", 15_000) + ",sign=AAAA"
	r = e.do(v3Req{uri: "/v3/alipay/trade/query", body: `{}`, noAuth: true, header: map[string]string{"Authorization": authz}})
	var v3 map[string]any
	if r.status < 400 || r.status >= 500 || json.Unmarshal(r.body, &v3) != nil || v3["code"] == nil {
		t.Errorf("v3 with a 60 KiB Authorization: HTTP %d %.300s", r.status, r.body)
	}
}

// What the notifier reads from a merchant is bounded: the body kept is at
// most 1 KiB, headers over 64 KiB fail the attempt; neither a huge answer
// nor an endless one holds the notifier (its timeout stands).
func TestNotifierReadsMerchantAnswersBounded(t *testing.T) {
	h := newHarness(t, mock.Options{Notify: notify.Options{Timeout: 2 * time.Second}})
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/headers":
			w.Header().Set("X-Pad", strings.Repeat("h", 100<<10))
			_, _ = io.WriteString(w, "success")
		case "/body":
			_, _ = io.WriteString(w, "success"+strings.Repeat("b", 4<<20))
		case "/endless":
			w.WriteHeader(http.StatusOK)
			for r.Context().Err() == nil {
				if _, err := w.Write(make([]byte, 32<<10)); err != nil {
					return
				}
			}
		}
	}))
	defer huge.Close()
	for _, tc := range []struct{ path string }{{"/headers"}, {"/body"}, {"/endless"}} {
		out := "NB" + strings.TrimPrefix(tc.path, "/")
		h.payWithNotify(out, "1.00", huge.URL+tc.path)
		n := waitAttempts(t, h, out, 1)
		a := n.Attempts[0]
		if a.OK || len(a.Response) > 1024 || n.State != notify.Pending {
			t.Errorf("%s: attempt %+v (response %d bytes)", tc.path, a, len(a.Response))
		}
		if tc.path == "/headers" && !strings.Contains(a.Error, "header") {
			t.Errorf("%s: error %q, want the header limit", tc.path, a.Error)
		}
	}
}

// The control API, dashboard and buyer pages bound request bodies too
// (before, none was bounded: a buyer page, open to any host, parsed up to
// 32 MB of multipart form into memory and spooled the rest to disk).
func TestBodyLimitsOutsideTheGateway(t *testing.T) {
	h := newHarness(t, mock.Options{})
	qr := h.call("alipay.trade.precreate", `{"out_trade_no":"BL1","total_amount":"5.00","subject":"s"}`)["qr_code"].(string)
	big := func(n int) string { return "action=pay&pad=" + strings.Repeat("x", n) }
	tests := []struct {
		name, url, ctype string
		body             io.Reader
		want             int
	}{
		{"QR page, declared", qr, "application/x-www-form-urlencoded", strings.NewReader(big(mock.MaxPageBody)), http.StatusRequestEntityTooLarge},
		{"QR page, chunked", qr, "application/x-www-form-urlencoded", io.MultiReader(strings.NewReader(big(mock.MaxPageBody))), 0},
		{"cashier, declared", h.http.URL + "/cashier/nothing", "multipart/form-data; boundary=x", strings.NewReader(strings.Repeat("x", mock.MaxPageBody+1)), http.StatusRequestEntityTooLarge},
		{"control, declared", h.http.URL + "/_mock/clock", "application/json", strings.NewReader(`{"set":"` + strings.Repeat("x", mock.MaxControlBody) + `"}`), http.StatusRequestEntityTooLarge},
		{"control, chunked", h.http.URL + "/_mock/clock", "application/json", io.MultiReader(strings.NewReader(`{"set":"` + strings.Repeat("x", mock.MaxControlBody) + `"}`)), http.StatusBadRequest},
		{"dashboard form, declared", h.http.URL + "/_mock/ui/clock/advance", "application/x-www-form-urlencoded", strings.NewReader("by=" + strings.Repeat("1", mock.MaxControlBody)), http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", tt.url, tt.body)
			req.Header.Set("Content-Type", tt.ctype)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if tt.want != 0 && resp.StatusCode != tt.want {
				t.Errorf("HTTP %d, want %d: %.200s", resp.StatusCode, tt.want, b)
			}
		})
	}
	// The chunked post to the QR page did not pay: the form was cut off.
	h.control("POST", "/trades/BL1/scan", "", http.StatusOK) // query sees a scanned trade
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"BL1"}`), "trade_status", "WAIT_BUYER_PAY")
	resp, err := http.PostForm(qr, url.Values{"action": {"pay"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"BL1"}`), "trade_status", "TRADE_SUCCESS")
}

// The fault queue is bounded: at most 1000 faults, each with a short
// sub_code and sub_msg.
func TestFaultQueueIsBounded(t *testing.T) {
	h := newHarness(t, mock.Options{})
	h.control("POST", "/faults", `{"code":"40004","sub_code":"X","sub_msg":"`+strings.Repeat("m", gateway.MaxAnswerText+1)+`"}`, http.StatusBadRequest)
	for i := 0; i < gateway.MaxQueued; i++ {
		h.control("POST", "/faults", `{"method":"alipay.trade.close","code":"20000"}`, http.StatusCreated)
	}
	if m := h.control("POST", "/faults", `{"code":"20000"}`, http.StatusBadRequest); !strings.Contains(fmt.Sprint(m["error"]), "DELETE /_mock/faults") {
		t.Errorf("full queue: %v", m)
	}
	h.control("DELETE", "/faults", "", http.StatusOK)
	h.control("POST", "/faults", `{"code":"20000"}`, http.StatusCreated)
}

// A bill download URL's token is all that guards the bill: it is not drawn
// from the ids' generator, so two mocks with the same --seed do not hand
// out the same (predictable) tokens.
func TestBillTokensAreUnpredictableUnderASeed(t *testing.T) {
	tokens := map[string]bool{}
	for i := 0; i < 2; i++ {
		h := newHarness(t, mock.Options{Seed: 7})
		m := h.call("alipay.data.dataservice.bill.downloadurl.query", `{"bill_type":"trade","bill_date":"2024-05-01"}`)
		u, err := url.Parse(fmt.Sprint(m["bill_download_url"]))
		if err != nil || u.Query().Get("token") == "" {
			t.Fatalf("bill_download_url: %v", m)
		}
		tokens[u.Query().Get("token")] = true
	}
	if len(tokens) != 2 {
		t.Errorf("the same seed gave the same bill token: %v", tokens)
	}
}

// No spelling of a control path lets a non-loopback client past the guard
// (the trade survives every spelling of POST /_mock/reset), and no static
// path reaches a file outside the embedded assets.
func TestPathVariantsFromAnotherHost(t *testing.T) {
	h := newHarness(t, mock.Options{})
	h.call("alipay.trade.precreate", `{"out_trade_no":"PATH1","total_amount":"5.00","subject":"s"}`)
	for _, p := range []string{
		"/_mock/reset", "//_mock/reset", "/%5Fmock/reset", "/_mock/./reset", "/_mock/../_mock/reset",
		"/gateway.do/../_mock/reset", "/_MOCK/reset", "/_mock%2freset", "/_mock/reset/", "/_mock/reset?x=1",
		"/./_mock/reset", "/qr/../_mock/reset", "/v3/../_mock/reset", "/cashier/../../_mock/reset",
	} {
		req := httptest.NewRequest("POST", "http://mock.test"+p, strings.NewReader(""))
		req.RemoteAddr = "203.0.113.7:40000"
		w := httptest.NewRecorder()
		h.srv.ServeHTTP(w, req)
		if w.Code == http.StatusOK && strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			t.Errorf("POST %s from another host: HTTP %d %s", p, w.Code, w.Body)
		}
	}
	h.control("POST", "/trades/PATH1/scan", "", http.StatusOK) // query sees a scanned trade
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"PATH1"}`), "trade_status", "WAIT_BUYER_PAY")
	for _, p := range []string{
		"/_mock/ui/static/..%2f..%2fweb.go", "/_mock/ui/static/../../web.go", "/_mock/ui/static/.hidden",
		"/_mock/ui/static/%2e%2e%2fdashboard.go", "/_mock/ui/static/dash.js%00.css", "/_mock/ui/static/templates%2fdash_layout.html",
		"/_mock/ui/static/", "/_mock/ui/static/..",
	} {
		req := httptest.NewRequest("GET", "http://127.0.0.1"+p, nil)
		req.RemoteAddr = "127.0.0.1:40000"
		w := httptest.NewRecorder()
		h.srv.ServeHTTP(w, req)
		if w.Code == http.StatusOK || strings.Contains(w.Body.String(), "package web") || strings.Contains(w.Body.String(), "{{define") {
			t.Errorf("GET %s: HTTP %d %.200s", p, w.Code, w.Body)
		}
	}
}

// The text of the scenario files in force is bounded, all scopes
// together (scenarios.MaxSourceBytes): with --data or --store a request a
// counting rule matches writes it whole, so uploads past it would make
// every such request write tens of MiB. The upload past it is 413 and
// changes nothing; deleting some makes room again.
func TestScenarioTextInForceIsBounded(t *testing.T) {
	h := newHarness(t, mock.Options{DataDir: t.TempDir()})
	file := func(name string) string { // about 1 MiB of YAML, most of it a comment
		return "# " + strings.Repeat("x", 1<<20-200) + "\nname: " + name +
			"\nrules:\n  - when: {method: alipay.trade.query}\n    then: {respond: {code: \"40004\"}}\n"
	}
	upload := func(method, name string) (int, string) {
		resp, body := h.fetch(method, h.http.URL+"/_mock/scenarios?name="+name, "application/yaml", file(name))
		return resp.StatusCode, string(body)
	}
	n := 0
	for ; n < 9; n++ {
		if code, _ := upload("POST", fmt.Sprintf("f%d", n)); code != http.StatusCreated {
			break
		}
	}
	if n != 8 {
		t.Fatalf("%d uploads of 1 MiB taken, want 8 (8 MiB in force)", n)
	}
	if code, body := upload("POST", "over"); code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "MiB of text") {
		t.Fatalf("the upload past the bound: HTTP %d %s", code, body)
	}
	resp, body := h.fetch("GET", h.http.URL+"/_mock/scenarios", "", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"f7"`) || strings.Contains(string(body), `"over"`) {
		t.Errorf("list after the refused upload: HTTP %d %.300s", resp.StatusCode, body)
	}
	// A PUT replaces the global scope's eight with one: room again.
	if code, body := upload("PUT", "one"); code != http.StatusOK {
		t.Fatalf("PUT of one file in place of eight: HTTP %d %s", code, body)
	}
	if code, body := upload("POST", "again"); code != http.StatusCreated {
		t.Fatalf("an upload after the PUT made room: HTTP %d %s", code, body)
	}
}
