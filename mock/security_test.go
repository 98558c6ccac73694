package mock_test

import (
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// request is one raw HTTP request to the harness's mock.
type request struct {
	method, path, host, body string
	header                   map[string]string
}

// do sends a request to the mock and returns the status and body. A
// redirect is returned, not followed.
func (h *harness) do(r request) (int, string, http.Header) {
	h.t.Helper()
	if r.method == "" {
		r.method = http.MethodGet
	}
	u := r.path
	if !strings.HasPrefix(u, "http") {
		u = h.http.URL + r.path
	}
	req, err := http.NewRequest(r.method, u, strings.NewReader(r.body))
	if err != nil {
		h.t.Fatal(err)
	}
	if r.host != "" {
		req.Host = r.host
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	resp, err := noFollow.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// tradeStatus is a trade's status through the control API, "" when the
// mock has no such trade.
func (h *harness) tradeStatus(out string) string {
	h.t.Helper()
	status, body, _ := h.do(request{path: "/_mock/trades/" + out})
	if status == http.StatusNotFound {
		return ""
	}
	var t struct {
		Status string `json:"trade_status"`
	}
	if err := json.Unmarshal([]byte(body), &t); err != nil || status != http.StatusOK {
		h.t.Fatalf("GET /_mock/trades/%s: HTTP %d %s", out, status, body)
	}
	return t.Status
}

func (h *harness) precreate(out string, edit func(map[string]string)) string {
	h.t.Helper()
	p := h.params("alipay.trade.precreate", `{"out_trade_no":"`+out+`","total_amount":"9.99","subject":"victim"}`, edit)
	m := h.verify("alipay.trade.precreate", h.post(p), true)
	expect(h.t, m, "code", "10000")
	return m["qr_code"].(string)
}

// The notifier never reaches the mock's own control API or buyer pages: a
// signed request whose notify_url names them (by address, by name, through
// a redirect, with or without the control token set) cannot wipe the mock
// or pay another merchant's trade. On main before the marker, the first
// attempt reset the mock and the second paid VICTIM.
func TestNotifierCannotDriveTheMock(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts mock.Options
	}{
		{"no token", mock.Options{}},
		{"control token set", mock.Options{ControlToken: "s3cret"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.opts)
			victimQR := h.precreate("VICTIM", nil)
			base := h.http.URL
			byName := strings.Replace(base, "127.0.0.1", "localhost", 1)
			bounce := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				code := http.StatusFound
				if r.URL.Query().Get("keep") != "" {
					code = http.StatusTemporaryRedirect // keeps the POST and its body
				}
				http.Redirect(w, r, base+r.URL.Path, code)
			}))
			defer bounce.Close()

			targets := []struct{ name, url string }{
				{"pay another trade", base + "/_mock/trades/VICTIM/pay"},
				{"reset", base + "/_mock/reset"},
				{"reset by host name", byName + "/_mock/reset"},
				{"pay by host name", byName + "/_mock/trades/VICTIM/pay"},
				{"reset through a 302", bounce.URL + "/_mock/reset"},
				{"pay through a 307", bounce.URL + "/_mock/trades/VICTIM/pay?keep=1"},
				{"dashboard reset", base + "/_mock/ui/reset"},
				{"QR page of another trade", victimQR},
				{"clock", base + "/_mock/clock/advance"},
			}
			for i, target := range targets {
				out := "ATK" + string(rune('A'+i))
				h.payWithNotify(out, "1.00", target.url)
				n := h.firstAttempt(out, "VICTIM")
				a := n.Attempts[0]
				redirected := strings.HasPrefix(target.url, bounce.URL)
				switch {
				case redirected && (a.Status != http.StatusFound && a.Status != http.StatusTemporaryRedirect):
					t.Errorf("%s: attempt %+v, want the redirect recorded (the notifier follows none)", target.name, a)
				case !redirected && (a.Status != http.StatusForbidden || !strings.Contains(a.Response, "does not act on requests it made itself")):
					t.Errorf("%s: attempt %+v, want 403 from the mock", target.name, a)
				}
				if a.OK || n.State == notify.Delivered {
					t.Errorf("%s: counted as delivered", target.name)
				}
				if got := h.tradeStatus("VICTIM"); got != "WAIT_BUYER_PAY" {
					t.Fatalf("after %s: VICTIM is %q, want WAIT_BUYER_PAY", target.name, got)
				}
				if got := h.tradeStatus(out); got != "TRADE_SUCCESS" {
					t.Fatalf("after %s: the attacker's own trade is %q: the mock was reset", target.name, got)
				}
			}
			// Retries meet the same refusal.
			h.advance(`{"by":"4m"}`)
			n := waitAttempts(t, h, "ATKB", 2)
			if a := n.Attempts[1]; a.Status != http.StatusForbidden {
				t.Errorf("retry: %+v", a)
			}
			if got := h.tradeStatus("VICTIM"); got != "WAIT_BUYER_PAY" {
				t.Fatalf("after the retries VICTIM is %q", got)
			}

			// A precreate whose own buyer pays triggers the same notification.
			qr := h.precreate("ATKQ", func(p map[string]string) { p["notify_url"] = base + "/_mock/reset" })
			if status, body, _ := h.do(request{method: "POST", path: qr, body: "action=pay",
				header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}); status != http.StatusOK || !strings.Contains(body, "TRADE_SUCCESS") {
				t.Fatalf("paying ATKQ at its QR page: HTTP %d %.300s", status, body)
			}
			if a := waitAttempts(t, h, "ATKQ", 1).Attempts[0]; a.Status != http.StatusForbidden {
				t.Errorf("precreate's notification: %+v", a)
			}
			if got := h.tradeStatus("VICTIM"); got != "WAIT_BUYER_PAY" {
				t.Fatalf("after ATKQ VICTIM is %q", got)
			}
		})
	}
}

// firstAttempt waits for the first delivery attempt of out's notification,
// failing at once if the trade victim disappears meanwhile (a reset).
func (h *harness) firstAttempt(out, victim string) notify.Notification {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		list := h.notifications("out_trade_no=" + out)
		if len(list) > 0 && len(list[0].Attempts) > 0 {
			return list[0]
		}
		if h.tradeStatus(victim) == "" {
			h.t.Fatalf("%s's notification reset the mock: %s is gone", out, victim)
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("no attempt for %s: %+v", out, list)
		}
	}
}

// The notifier marks its requests, and a merchant sees the mark: nothing
// else changes for a real notify_url.
func TestNotificationsCarryTheMarker(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := newMerchant(t, "success")
	h.payWithNotify("MK1", "1.00", m.URL)
	waitAttempts(t, h, "MK1", 1)
	if got := m.calls()[0].header.Get(notify.MarkerHeader); got != "1" {
		t.Fatalf("%s = %q, want 1", notify.MarkerHeader, got)
	}
	// A request that bears it is refused by the control API and the
	// buyer pages, and nowhere else.
	marked := map[string]string{notify.MarkerHeader: "1"}
	qr := h.precreate("MK2", nil)
	for _, tc := range []struct {
		r    request
		want int
	}{
		{request{path: "/_mock/health", header: marked}, http.StatusForbidden},
		{request{path: "/_mock/ui", header: marked}, http.StatusForbidden},
		{request{path: qr, header: marked}, http.StatusForbidden},
		{request{path: qr + ".png", header: marked}, http.StatusForbidden},
		{request{path: "/cashier/coupon/x", header: marked}, http.StatusForbidden},
		{request{path: "/gateway.do", header: marked}, http.StatusOK},
		{request{path: qr}, http.StatusOK},
	} {
		if status, body, _ := h.do(tc.r); status != tc.want {
			t.Errorf("%s with %v: HTTP %d, want %d: %.200s", tc.r.path, tc.r.header, status, tc.want, body)
		}
	}
}

// The buyer pages act only through the secret token of qr_code or the
// cashier URL: out_trade_no, trade_no and auth_no open nothing. On main
// before the tokens, POST /qr/<out_trade_no> action=pay paid the trade.
func TestBuyerPagesNeedTheToken(t *testing.T) {
	h := newHarness(t, mock.Options{FundPublicKey: true})
	formType := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	qr := h.precreate("PG1", nil)
	var tr struct {
		TradeNo string `json:"trade_no"`
	}
	_, body, _ := h.do(request{path: "/_mock/trades/PG1"})
	_ = json.Unmarshal([]byte(body), &tr)

	// Page pay: the gateway sends the browser to the cashier's token.
	p := h.params("alipay.trade.page.pay", `{"out_trade_no":"PG2","total_amount":"2.00","subject":"page","product_code":"FAST_INSTANT_TRADE_PAY"}`, nil)
	status, _, hdr := h.do(request{path: "/gateway.do?" + form(p).Encode()})
	cashier := hdr.Get("Location")
	if status != http.StatusFound {
		t.Fatalf("page pay: HTTP %d Location %q", status, cashier)
	}
	// Red packet page pay: the same for /cashier/coupon/.
	p = h.params("alipay.fund.coupon.order.page.pay", `{"out_order_no":"RP1","out_request_no":"RP1-pay","order_title":"红包","amount":"3.00"}`, nil)
	status, _, hdr = h.do(request{path: "/gateway.do?" + form(p).Encode()})
	packet := hdr.Get("Location")
	if status != http.StatusFound {
		t.Fatalf("red packet page pay: HTTP %d Location %q", status, packet)
	}
	var rp struct {
		AuthNo string `json:"auth_no"`
		Status string `json:"status"`
	}
	_, body, _ = h.do(request{path: "/_mock/red-packets/RP1"})
	_ = json.Unmarshal([]byte(body), &rp)

	for _, path := range []string{
		"/qr/PG1", "/qr/PG1.png", "/qr/" + tr.TradeNo, "/cashier/PG1", "/cashier/" + tr.TradeNo, "/cashier/PG2",
		"/cashier/coupon/RP1", "/cashier/coupon/" + rp.AuthNo,
		"/qr/" + strings.TrimPrefix(cashier, h.http.URL+"/cashier/"), // a cashier token is not a QR token
	} {
		if status, body, _ := h.do(request{path: path}); status != http.StatusNotFound || strings.Contains(body, "9.99") {
			t.Errorf("GET %s: HTTP %d, want 404 showing nothing: %.200s", path, status, body)
		}
		for _, action := range []string{"pay", "no-such-action"} {
			if status, _, _ := h.do(request{method: "POST", path: path, body: "action=" + action, header: formType}); status != http.StatusNotFound {
				t.Errorf("POST %s action=%s: HTTP %d, want 404", path, action, status)
			}
		}
	}
	for _, out := range []string{"PG1", "PG2"} {
		if got := h.tradeStatus(out); got != "WAIT_BUYER_PAY" {
			t.Fatalf("%s is %s after the pay attempts by number", out, got)
		}
	}
	if _, body, _ = h.do(request{path: "/_mock/red-packets/RP1"}); !strings.Contains(body, `"status":"INIT"`) {
		t.Fatalf("red packet after the attempts: %s", body)
	}

	// The URLs carry 128-bit tokens.
	for _, c := range []struct{ url, pattern string }{
		{qr, `^http://127\.0\.0\.1:\d+/qr/bax0[a-z2-7]{26}$`},
		{cashier, `^http://127\.0\.0\.1:\d+/cashier/[a-z2-7]{26}$`},
		{packet, `^http://127\.0\.0\.1:\d+/cashier/coupon/[a-z2-7]{26}$`},
	} {
		if !regexp.MustCompile(c.pattern).MatchString(c.url) {
			t.Errorf("%q does not match %s", c.url, c.pattern)
		}
	}

	// Whoever holds the URLs pays, from any Host.
	if status, body, _ := h.do(request{path: qr, host: "pay.example.test"}); status != http.StatusOK || !strings.Contains(body, "9.99") {
		t.Fatalf("GET qr_code: HTTP %d %.200s", status, body)
	}
	for _, u := range []string{qr, cashier, packet} {
		if status, body, _ := h.do(request{method: "POST", path: u, body: "action=pay", header: formType}); status != http.StatusOK {
			t.Fatalf("POST %s action=pay: HTTP %d %.300s", u, status, body)
		}
	}
	for _, out := range []string{"PG1", "PG2"} {
		if got := h.tradeStatus(out); got != "TRADE_SUCCESS" {
			t.Fatalf("%s is %s after paying at its page", out, got)
		}
	}
	if _, body, _ = h.do(request{path: "/_mock/red-packets/RP1"}); !strings.Contains(body, `"status":"AUTHORIZED"`) {
		t.Fatalf("red packet after paying at its cashier: %s", body)
	}
}

// The page tokens are stored with --data: a qr_code handed out before a
// restart still opens its page after it.
func TestPageTokensSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	s1, _ := startWithData(t, dir, epoch)
	h1 := &harness{t: t, srv: s1, http: &httptest.Server{URL: s1.URL()}, clock: s1.Clock, key: keys.DevAppPrivateKey()}
	qr := strings.Replace(h1.precreate("KEEP1", nil), s1.URL(), "", 1)
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	s2, _ := startWithData(t, dir, epoch)
	h2 := &harness{t: t, srv: s2, http: &httptest.Server{URL: s2.URL()}, clock: s2.Clock, key: keys.DevAppPrivateKey()}
	if status, body, _ := h2.do(request{method: "POST", path: qr, body: "action=pay",
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}); status != http.StatusOK {
		t.Fatalf("QR page after restart: HTTP %d %.300s", status, body)
	}
	if got := h2.tradeStatus("KEEP1"); got != "TRADE_SUCCESS" {
		t.Fatalf("KEEP1 is %s", got)
	}
}

// POST /_mock/apps takes keys and certificates as text only: a path,
// existing or not, gets the same 400 and nothing is read (on main before
// this, an existing key file registered the app, a missing one said so,
// and /dev/zero ran the mock out of memory). The body is capped.
func TestAppsAPIReadsNoFiles(t *testing.T) {
	h := newHarness(t, mock.Options{})
	dir := t.TempDir()
	pair := keys.NewPair(keys.DevAppPrivateKey()) // RSA2 apps need 2048 bits
	keyFile, certFile := filepath.Join(dir, "app_public_key.pem"), filepath.Join(dir, "app_cert.crt")
	if err := os.WriteFile(keyFile, pair.PublicPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, keys.DevAppCertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	// Names that are also base64 text, once the slashes are doubled.
	keyB64, certB64 := filepath.Join(dir, "pubkey"), filepath.Join(dir, "appcert")
	if err := os.WriteFile(keyB64, pair.PublicPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certB64, keys.DevAppCertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	post := func(spec map[string]string) (int, string) {
		b, _ := json.Marshal(spec)
		status, body, _ := h.do(request{method: "POST", path: "/_mock/apps", body: string(b), header: map[string]string{"Content-Type": "application/json"}})
		return status, body
	}
	const app = "2021000000000071"
	answers := map[string]string{}
	for _, tc := range []struct{ field, value string }{
		{"public_key", keyFile},                  // exists
		{"public_key", keyFile + ".missing"},     // does not
		{"public_key", base64Path(t, keyB64)},    // exists, and reads as base64
		{"public_key", dir},                      // a directory
		{"public_key", "/dev/zero"},              // endless
		{"app_cert", certFile},                   // exists
		{"app_cert", certFile + ".missing"},      // does not
		{"app_cert", base64Path(t, certB64)},     // exists, and reads as base64
		{"app_cert", "/dev/zero"},                // endless
		{"public_key", "not a key, not a path!"}, // neither
	} {
		if tc.value == "" {
			t.Logf("%s: the temp dir's name is not base64; that case is skipped", tc.field)
			continue
		}
		status, body := post(map[string]string{"app_id": app, tc.field: tc.value})
		if status != http.StatusBadRequest || !strings.Contains(body, "never reads files") {
			t.Fatalf("%s %q: HTTP %d, want 400: %s", tc.field, tc.value, status, body)
		}
		if strings.Contains(body, tc.value) || strings.Contains(body, "no such file") || strings.Contains(body, "directory") {
			t.Errorf("%s %q: the answer tells about the file: %s", tc.field, tc.value, body)
		}
		if prev, ok := answers[tc.field]; ok && prev != body {
			t.Errorf("%s %q: answer %s differs from %s", tc.field, tc.value, body, prev)
		}
		answers[tc.field] = body
	}
	if status, body, _ := h.do(request{path: "/_mock/apps"}); status != http.StatusOK || strings.Contains(body, app) {
		t.Fatalf("an app was registered from a path: %s", body)
	}

	// A body over 64 KiB is refused whole.
	big := `{"app_id":"` + app + `","public_key":"` + strings.Repeat("A", 64<<10) + `"}`
	if status, body, _ := h.do(request{method: "POST", path: "/_mock/apps", body: big, header: map[string]string{"Content-Type": "application/json"}}); status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "64 KiB") {
		t.Errorf("big body: HTTP %d %.200s", status, body)
	}

	// Text works, in each form.
	certDER := base64DER(t, keys.DevAppCertPEM())
	for i, spec := range []map[string]string{
		{"public_key": string(pair.PublicPEM)},
		{"public_key": pair.PublicBase64},
		{"app_cert": string(keys.DevAppCertPEM())},
		{"app_cert": certDER},
	} {
		spec["app_id"] = "202100000000008" + string(rune('0'+i))
		if status, body := post(spec); status != http.StatusCreated {
			t.Errorf("%v: HTTP %d %s", spec, status, body)
		}
	}
	if status, body := post(map[string]string{"app_id": app, "public_key": string(pair.PrivatePKCS8PEM)}); status != http.StatusBadRequest || !strings.Contains(body, "PUBLIC key") {
		t.Errorf("a private key: HTTP %d %s", status, body)
	}
}

// base64Path is path with doubled slashes until it is also valid base64,
// or "" when it has characters base64 lacks.
func base64Path(t *testing.T, path string) string {
	t.Helper()
	if strings.Trim(path, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") != "" {
		return ""
	}
	for len(path)%4 != 0 {
		path = "/" + path
	}
	if _, err := base64.StdEncoding.DecodeString(path); err != nil {
		return ""
	}
	return path
}

func base64DER(t *testing.T, pemText []byte) string {
	t.Helper()
	block, _ := pem.Decode(pemText)
	if block == nil {
		t.Fatal("no PEM block")
	}
	return base64.StdEncoding.EncodeToString(block.Bytes)
}
