package mock_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/control"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/web"
)

// Each surface answers what its handlers do not, an HTTP method echo does
// not route included, in its own shape: Alipay's error on gateway.do, v3's
// JSON on /v3, the control API's JSON elsewhere; all with the strict
// headers.
func TestSurfacesAnswerUnroutedRequestsInTheirShape(t *testing.T) {
	s := mock.NewTestServer(t, mock.Options{})
	tests := []struct {
		method, path string
		status       int
		want         string // a key and value the JSON body must hold, "key=value"
		corp         bool   // Cross-Origin-Resource-Policy: same-origin
	}{
		{"BREW", "/gateway.do", http.StatusOK, "sub_code=isp.unknow-error", false},
		{"BREW", "/v3/alipay/trade/query", http.StatusBadRequest, "code=invalid-http-method", false},
		{"BREW", "/v3", http.StatusBadRequest, "code=invalid-http-method", false},
		{"BREW", "/_mock/health", http.StatusMethodNotAllowed, "error=Method Not Allowed", true},
		{"GET", "/_mock/nothing", http.StatusNotFound, "error=Not Found", true},
		{"GET", "/%5Fmock/health", http.StatusNotFound, "error=Not Found", false},
		{"GET", "/nothing", http.StatusNotFound, "error=Not Found", false},
		{"POST", "/downloadBillFile.resource", http.StatusMethodNotAllowed, "error=Method Not Allowed", false},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, s.URL()+tt.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("HTTP %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatalf("body is not JSON: %s", body)
			}
			if e, ok := m["error_response"].(map[string]any); ok {
				m = e
			}
			k, v, _ := strings.Cut(tt.want, "=")
			if m[k] != v {
				t.Errorf("%s = %v, want %q (%s)", k, m[k], v, body)
			}
			if resp.Header.Get("Content-Security-Policy") != mock.StrictCSP || resp.Header.Get("X-Frame-Options") != "DENY" {
				t.Errorf("headers %v", resp.Header)
			}
			if got := resp.Header.Get("Cross-Origin-Resource-Policy") == "same-origin"; got != tt.corp {
				t.Errorf("Cross-Origin-Resource-Policy = %q", resp.Header.Get("Cross-Origin-Resource-Policy"))
			}
		})
	}
}

// Without --public-url, the links the mock hands out (qr_code, the
// cashier redirect) take the scheme the client reached it by, as a proxy
// reports it in X-Forwarded-Proto, and no scheme but http and https.
func TestLinksTakeTheRequestScheme(t *testing.T) {
	h := newHarness(t, mock.Options{})
	host := strings.TrimPrefix(h.http.URL, "http://")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for i, tt := range []struct{ proto, want string }{
		{"", "http://"},
		{"https", "https://"},
		{"HTTPS", "https://"},
		{"javascript", "http://"},
	} {
		t.Run("X-Forwarded-Proto "+tt.proto, func(t *testing.T) {
			send := func(p map[string]string) *http.Response {
				req, _ := http.NewRequest("POST", h.http.URL+"/gateway.do", strings.NewReader(form(p).Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if tt.proto != "" {
					req.Header.Set("X-Forwarded-Proto", tt.proto)
				}
				resp, err := noRedirect.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				return resp
			}
			resp := send(h.params("alipay.trade.precreate", fmt.Sprintf(`{"out_trade_no":"SCHEME%d","total_amount":"5.00","subject":"s"}`, i), nil))
			qr := h.verify("alipay.trade.precreate", h.read(resp), true)["qr_code"]
			if s, _ := qr.(string); !strings.HasPrefix(s, tt.want+host+"/qr/") {
				t.Errorf("qr_code = %v, want %s%s/qr/...", qr, tt.want, host)
			}
			resp = send(h.params("alipay.trade.page.pay", fmt.Sprintf(`{"out_trade_no":"SCHEMEP%d","total_amount":"6.00","subject":"s","product_code":"FAST_INSTANT_TRADE_PAY"}`, i), nil))
			resp.Body.Close()
			if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, tt.want+host+"/cashier/") {
				t.Errorf("page pay Location = %q, want %s%s/cashier/...", loc, tt.want, host)
			}
		})
	}
}

// HEAD is GET without the body (RFC 9110 §9.3.2, §9.1): every GET route
// of the control API, the dashboard, the buyer pages and the bill
// download answers it as its GET does, through the same guard: a client
// the guard refuses a GET is refused the HEAD. `wget --spider`, uptime
// monitors and link checkers ask HEAD.
func TestHeadAnswersAsGet(t *testing.T) {
	h := newHarness(t, mock.Options{})
	qr, err := url.Parse(h.precreate("head-1", nil))
	if err != nil {
		t.Fatal(err)
	}
	relayed := map[string]string{"X-Forwarded-For": "203.0.113.7"}
	for _, c := range []struct {
		path   string
		header map[string]string
		want   int
	}{
		{"/_mock/health", nil, http.StatusOK},
		{"/_mock/alipay-public-key", nil, http.StatusOK},
		{"/_mock/trades/head-1", nil, http.StatusOK},
		{"/_mock/trades/nothing", nil, http.StatusNotFound},
		{"/_mock/ui/", nil, http.StatusOK},
		{"/_mock/ui/trades", nil, http.StatusOK},
		{qr.Path, nil, http.StatusOK},
		{qr.Path + ".png", nil, http.StatusOK},
		{"/qr/bax0nothing", nil, http.StatusNotFound},
		{"/downloadBillFile.resource?token=nothing", nil, http.StatusNotFound},
		{"/_mock/health", relayed, http.StatusForbidden},
		{"/_mock/ui/", relayed, http.StatusForbidden},
	} {
		get, _, getHdr := h.do(request{path: c.path, header: c.header})
		if get != c.want {
			t.Fatalf("GET %s: HTTP %d, want %d", c.path, get, c.want)
		}
		head, body, hdr := h.do(request{method: http.MethodHead, path: c.path, header: c.header})
		if head != get || body != "" || hdr.Get("Content-Type") != getHdr.Get("Content-Type") {
			t.Errorf("HEAD %s: HTTP %d (%s) with %d bytes, want %d (%s) with no body, as GET answers",
				c.path, head, hdr.Get("Content-Type"), len(body), get, getHdr.Get("Content-Type"))
		}
	}
}

// A HEAD of the notifications' long poll answers at once, as a GET
// without wait: nothing reads the list it would wait for. (With the wait,
// it would answer only when MaxWait, 60 s, ran out.)
func TestHeadDoesNotWaitForALongPoll(t *testing.T) {
	h := newHarness(t, mock.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), control.MaxWait/2)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, h.http.URL+"/_mock/notifications?wait=60s&count=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("HEAD of the long poll did not answer before the wait ran out: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("HEAD of the long poll: HTTP %d, want 200", resp.StatusCode)
	}
}

// A HEAD of an authorisation page answers its checks as the GET does (the
// status, the type, the headers that keep it unframed) but opens no form
// and draws no user id: a link checker's HEAD of an app's sign-in URL left
// a form behind and moved a --seed run's numbering. HEAD is a safe method
// (RFC 9110 §9.2.1).
func TestHeadOfAnAuthorisationPageOpensNoForm(t *testing.T) {
	signIn := web.SignInPath + "?app_id=" + keys.DevAppID + "&scope=auth_user&redirect_uri=https%3A%2F%2Fshop.example%2Fcb"
	appAuth := web.AppAuthPath + "?app_id=" + keys.DevAppID + "&redirect_uri=https%3A%2F%2Fisv.example%2Fcb"
	h := newHarness(t, mock.Options{})
	for _, path := range []string{signIn, appAuth, web.SignInPath + "?app_id=2021999999999999", web.AppAuthPath} {
		get, _, getHdr := h.do(request{path: path})
		head, body, hdr := h.do(request{method: http.MethodHead, path: path})
		for _, k := range []string{"Content-Type", "Content-Security-Policy", "X-Frame-Options", "Cache-Control"} {
			if hdr.Get(k) != getHdr.Get(k) {
				t.Errorf("HEAD %s: %s %q, GET's %q", path, k, hdr.Get(k), getHdr.Get(k))
			}
		}
		if head != get || body != "" {
			t.Errorf("HEAD %s: HTTP %d with %d bytes, want %d with no body, as GET answers", path, head, len(body), get)
		}
	}

	next := func(head bool) string {
		m := mocktest.New(t, mock.Options{})
		if head {
			for _, path := range []string{signIn, appAuth} {
				resp, err := http.Head(m.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("HEAD %s: HTTP %d", path, resp.StatusCode)
				}
			}
		}
		m.Post(m.Params("alipay.trade.precreate", `{"out_trade_no":"H-1","total_amount":"8.00","subject":"s"}`, nil))
		m.Control("POST", "/trades/H-1/scan", "", http.StatusOK)
		var tr struct {
			TradeNo string `json:"trade_no"`
		}
		m.ControlJSON("GET", "/trades/H-1", "", http.StatusOK, &tr)
		return tr.TradeNo
	}
	if without, with := next(false), next(true); without != with {
		t.Errorf("the next trade after a HEAD of the authorisation pages is %q, without it %q: a HEAD drew from the seeded generator", with, without)
	}
}

// A known path asked with a method it does not take is 405 with Allow
// naming the methods it takes (RFC 9110 §15.5.6), in its surface's shape
// (the control API's JSON, the dashboard's page, the buyer's page), not
// 404 as if the path did not exist: `curl -X POST /_mock/health`, a
// DELETE of /_mock/apps, a GET of /_mock/reset. The guard still comes
// first; a path no route knows is still 404; OPTIONS answers as before
// (404 on these surfaces: the mock answers no preflight).
func TestWrongMethodOnAKnownPathIs405(t *testing.T) {
	h := newHarness(t, mock.Options{})
	qr, err := url.Parse(h.precreate("method-1", nil))
	if err != nil {
		t.Fatal(err)
	}
	const json, html = "application/json", "text/html"
	for _, c := range []struct {
		method, path string
		status       int
		allow, shape string // shape: the Content-Type's start
	}{
		{http.MethodPost, "/_mock/health", 405, "GET, HEAD", json},
		{http.MethodPut, "/_mock/health", 405, "GET, HEAD", json},
		{"BREW", "/_mock/health", 405, "GET, HEAD", json},
		{http.MethodDelete, "/_mock/apps", 405, "GET, HEAD, POST", json},
		{http.MethodGet, "/_mock/reset", 405, "POST", json},
		{http.MethodPost, "/_mock/trades/method-1", 405, "GET, HEAD", json},
		{http.MethodPut, "/_mock/scenarios/x", 404, "", json},
		{http.MethodPost, "/_mock/nothing", 404, "", json},
		{http.MethodPost, "/_mock/ui/trades", 405, "GET, HEAD", html},
		{http.MethodGet, "/_mock/ui/reset", 405, "POST", html},
		{http.MethodPost, "/_mock/ui/nothing", 404, "", html},
		{http.MethodPut, qr.Path, 405, "GET, HEAD, POST", html},
		{http.MethodDelete, "/cashier/nothing", 405, "GET, HEAD, POST", html},
		{http.MethodGet, "/qr", 404, "", html},
		{http.MethodOptions, "/_mock/health", 404, "", json},
		{http.MethodOptions, "/_mock/ui/trades", 404, "", html},
		{http.MethodOptions, qr.Path, 404, "", html},
		{http.MethodPut, "/downloadBillFile.resource", 405, "GET, HEAD", json},
		{http.MethodOptions, "/downloadBillFile.resource", 404, "", json},
	} {
		status, body, hdr := h.do(request{method: c.method, path: c.path, header: map[string]string{"Content-Type": "application/json"}})
		if status != c.status || hdr.Get("Allow") != c.allow || !strings.HasPrefix(hdr.Get("Content-Type"), c.shape) {
			t.Errorf("%s %s: HTTP %d (Allow %q, %s), want %d (Allow %q, %s): %.200s", c.method, c.path, status, hdr.Get("Allow"),
				hdr.Get("Content-Type"), c.status, c.allow, c.shape, strings.TrimSpace(body))
		}
		for k := range hdr {
			if strings.HasPrefix(k, "Access-Control-") {
				t.Errorf("%s %s: %s: %s (the mock grants no CORS)", c.method, c.path, k, hdr.Get(k))
			}
		}
		if c.status == 405 && c.shape == json && !strings.Contains(body, `"error":"Method Not Allowed"`) {
			t.Errorf("%s %s: %s, want the control API's error", c.method, c.path, body)
		}
	}
	// The guard answers first: a client it refuses learns nothing of the routes.
	relayed := map[string]string{"X-Forwarded-For": "203.0.113.7"}
	for _, path := range []string{"/_mock/health", "/_mock/ui/trades"} {
		if status, _, hdr := h.do(request{method: http.MethodPost, path: path, header: relayed}); status != http.StatusForbidden || hdr.Get("Allow") != "" {
			t.Errorf("POST %s from a relayed client: HTTP %d (Allow %q), want 403", path, status, hdr.Get("Allow"))
		}
	}
	// The dashboard's page names the methods; the buyer's says it in both languages.
	if _, body, _ := h.do(request{method: http.MethodPost, path: "/_mock/ui/trades"}); !strings.Contains(body, "/_mock/ui/trades takes GET, HEAD only") {
		t.Errorf("POST /_mock/ui/trades: the page does not name the methods:\n%.400s", body)
	}
	if _, body, _ := h.do(request{method: http.MethodPut, path: qr.Path}); !strings.Contains(body, "不支持该请求方式") || !strings.Contains(body, "does not take that HTTP method") {
		t.Errorf("PUT %s: the page does not say the method is not taken:\n%.400s", qr.Path, body)
	}
}

// docs/pages.md: the sign-in and app authorisation pages are buyer pages,
// and a buyer page answers a method it does not take with 405 不支持该请求方式
// and Allow; docs/control-api.md: OPTIONS answers 404, the mock grants no
// preflight. Outside any group, echo answered a wrong method in the
// control API's JSON with OPTIONS in Allow, and OPTIONS with 204.
func TestAuthorisationPagesAnswerAWrongMethodAsBuyerPages(t *testing.T) {
	h := newHarness(t, mock.Options{})
	for _, path := range []string{"/oauth2/publicAppAuthorize.htm", "/oauth2/appToAppAuth.htm"} {
		status, body, hdr := h.do(request{method: http.MethodPut, path: path})
		if status != http.StatusMethodNotAllowed || hdr.Get("Allow") != "GET, HEAD, POST" ||
			!strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !strings.Contains(body, "不支持该请求方式") {
			t.Errorf("PUT %s: HTTP %d (Allow %q, %s) %.120s, want 405 (Allow \"GET, HEAD, POST\") and the buyer's page 不支持该请求方式",
				path, status, hdr.Get("Allow"), hdr.Get("Content-Type"), strings.TrimSpace(body))
		}
		if status, _, hdr := h.do(request{method: http.MethodOptions, path: path}); status != http.StatusNotFound {
			t.Errorf("OPTIONS %s: HTTP %d (Allow %q), want 404 as on every other page (the mock grants no preflight)", path, status, hdr.Get("Allow"))
		}
	}
}

// The dashboard's root, /_mock/ui without the slash, answers a wrong
// method on the dashboard's error page like every other dashboard path
// (docs/control-api.md), not in the JSON of the control API's catch-all.
func TestDashboardRootAnswersAWrongMethodOnItsErrorPage(t *testing.T) {
	h := newHarness(t, mock.Options{})
	relayed := map[string]string{"X-Forwarded-For": "203.0.113.7"}
	if status, _, hdr := h.do(request{method: http.MethodPut, path: "/_mock/ui", header: relayed}); status != http.StatusForbidden || hdr.Get("Allow") != "" {
		t.Errorf("PUT /_mock/ui from a relayed client: HTTP %d (Allow %q), want 403 as PUT /_mock/ui/ answers", status, hdr.Get("Allow"))
	}
	status, _, hdr := h.do(request{method: http.MethodPut, path: "/_mock/ui"})
	if status != http.StatusMethodNotAllowed || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Errorf("PUT /_mock/ui: HTTP %d (%s), want 405 on the dashboard's error page as PUT /_mock/ui/ answers", status, hdr.Get("Content-Type"))
	}
}
