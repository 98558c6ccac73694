package mock_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
)

// seenRequest is what reached the mock, and its answer.
type seenRequest struct {
	method, path, site, origin string
	status                     int
}

// originRecorder serves the mock and keeps what reached it.
type originRecorder struct {
	next    http.Handler
	mu      sync.Mutex
	seen    []seenRequest
	changed chan struct{} // closed and replaced at each request seen
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// recordedMock runs a mock made with opts behind an originRecorder, and a
// harness that calls it over HTTP.
func recordedMock(t *testing.T, opts mock.Options) (*harness, *originRecorder) {
	t.Helper()
	srv, err := mock.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	rec := &originRecorder{next: srv}
	mockHTTP := httptest.NewServer(rec)
	t.Cleanup(mockHTTP.Close)
	return &harness{t: t, srv: srv, http: mockHTTP, clock: srv.Clock, key: keys.DevAppPrivateKey()}, rec
}

func (r *originRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	r.next.ServeHTTP(sw, req)
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	r.mu.Lock()
	r.seen = append(r.seen, seenRequest{req.Method, req.URL.Path, req.Header.Get("Sec-Fetch-Site"), req.Header.Get("Origin"), sw.status})
	if r.changed != nil {
		close(r.changed)
	}
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

// waitFor waits until the mock has answered a request matching f; the
// browser sends them in its own time.
func (r *originRecorder) waitFor(t *testing.T, what string, f func(seenRequest) bool) seenRequest {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		for _, s := range r.seen {
			if f(s) {
				r.mu.Unlock()
				return s
			}
		}
		if r.changed == nil {
			r.changed = make(chan struct{})
		}
		changed := r.changed
		r.mu.Unlock()
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("the mock never saw %s", what)
		}
	}
}

// A page on another origin, in a real browser, cannot reset the mock, pay
// a trade through the control API or the buyer pages, load a scenario or
// move the clock: not by fetch (simple or preflighted) nor by a form. The
// same page is tried from another site (localhost vs 127.0.0.1) and from
// another port of the same site. The mock's own origin still can, with
// JSON.
func TestBrowserOtherOriginCannotDriveTheMock(t *testing.T) {
	ctx := browser(t)
	h, rec := recordedMock(t, mock.Options{Clock: clock.NewManual(epoch), Seed: 1})
	mockHTTP := h.http
	h.precreate("VICTIM", nil)
	before := h.control("GET", "/clock", "", http.StatusOK)["now"]

	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, strings.ReplaceAll(evilPage, "MOCK", mockHTTP.URL))
	}))
	t.Cleanup(evil.Close)
	port := evil.URL[strings.LastIndex(evil.URL, ":")+1:]

	for _, origin := range []struct{ name, url, site string }{
		{"another site", "http://localhost:" + port, "cross-site"},
		{"another port of the same site", "http://127.0.0.1:" + port, "same-site"},
	} {
		t.Run(origin.name, func(t *testing.T) {
			var title string
			if err := chromedp.Run(ctx, chromedp.Navigate(origin.url+"/"),
				chromedp.Poll(`document.title === "done" && document.title`, &title)); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"/_mock/reset", "/_mock/trades/VICTIM/pay", "/_mock/scenarios", "/qr/VICTIM", "/_mock/ui/reset"} {
				s := rec.waitFor(t, "POST "+p+" from "+origin.url, func(s seenRequest) bool {
					return s.method == http.MethodPost && s.path == p && s.origin == origin.url
				})
				if s.status != http.StatusForbidden && s.status != http.StatusNotFound {
					t.Errorf("POST %s from %s (Sec-Fetch-Site %q): HTTP %d", p, origin.url, s.site, s.status)
				}
				if s.site != origin.site {
					t.Logf("POST %s: Sec-Fetch-Site %q, expected %q", p, s.site, origin.site)
				}
			}
			if got := h.tradeStatus("VICTIM"); got != "WAIT_BUYER_PAY" {
				t.Fatalf("VICTIM is %q after the page's attempts", got)
			}
			if list := h.control("GET", "/scenarios", "", http.StatusOK); strings.Contains(fmt.Sprint(list), "evil") {
				t.Errorf("the page loaded a scenario: %v", list)
			}
			if now := h.control("GET", "/clock", "", http.StatusOK)["now"]; now != before {
				t.Errorf("the clock moved from %v to %v", before, now)
			}
		})
	}

	// The mock's own origin: JSON works, a simple body does not.
	var answers string
	if err := chromedp.Run(ctx, chromedp.Navigate(mockHTTP.URL+"/_mock/ui"),
		chromedp.Evaluate(`(async () => {
			const json = await fetch("/_mock/clock/advance", {method: "POST", headers: {"Content-Type": "application/json"}, body: '{"by":"1h"}'});
			const plain = await fetch("/_mock/clock/advance", {method: "POST", headers: {"Content-Type": "text/plain"}, body: '{"by":"1h"}'});
			window.answers = json.status + " " + plain.status;
		})(), 0`, nil),
		chromedp.Poll(`window.answers`, &answers)); err != nil {
		t.Fatal(err)
	}
	if answers != "200 403" {
		t.Errorf("same-origin JSON and text/plain: %s, want 200 403", answers)
	}
}

// evilPage is a page on another origin that tries everything a page can
// without the mock's consent. MOCK is replaced by the mock's URL.
const evilPage = `<!DOCTYPE html><html><head><title>evil</title></head><body>
<iframe name="sink1"></iframe><iframe name="sink2"></iframe><iframe name="sink3"></iframe>
<form id="pay" method="POST" action="MOCK/_mock/trades/VICTIM/pay" target="sink1"><input name="buyer_id" value="2088000000000666"></form>
<form id="qr" method="POST" action="MOCK/qr/VICTIM" target="sink2"><input name="action" value="pay"></form>
<form id="dash" method="POST" action="MOCK/_mock/ui/reset" target="sink3"></form>
<script>
(async () => {
  const m = "MOCK";
  await Promise.allSettled([
    fetch(m + "/_mock/trades/VICTIM/pay", {method: "POST", mode: "no-cors"}),
    fetch(m + "/_mock/scenarios", {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"},
      body: "name: evil\nrules:\n  - when: {method: alipay.trade.query}\n    then: {respond: {code: \"20000\"}}\n"}),
    fetch(m + "/_mock/clock/advance", {method: "POST", headers: {"Content-Type": "application/json"}, body: '{"by":"48h"}'}),
    fetch(m + "/_mock/clock/advance", {method: "POST", mode: "no-cors", headers: {"X-Alipay-Mock": "1"}, body: '{"by":"48h"}'}),
  ]);
  await fetch(m + "/_mock/reset", {method: "POST", mode: "no-cors"}).catch(() => {});
  document.getElementById("pay").submit();
  document.getElementById("qr").submit();
  document.getElementById("dash").submit();
  document.title = "done";
})();
</script></body></html>`

// DNS rebinding in a real browser: evil.test resolves to 127.0.0.1, so a
// script on http://evil.test:<port> is same-origin with itself and its
// requests reach the mock. The buyer page it lands on answers (any Host),
// but the control API refuses it, JSON or not; by a loopback name the same
// script works.
func TestBrowserDNSRebindingRefused(t *testing.T) {
	srv := mock.NewTestServer(t, mock.Options{Clock: clock.NewManual(epoch)})
	// After the server, so the tab's browser context (and the sockets it
	// opened ahead) is gone before the server shuts down. The shared
	// Chromium maps evil.test to 127.0.0.1.
	ctx := browser(t)
	h := &harness{t: t, srv: srv, http: &httptest.Server{URL: srv.URL()}, clock: srv.Clock, key: keys.DevAppPrivateKey()}
	qr := h.precreate("VICTIM", nil)
	port := srv.URL()[strings.LastIndex(srv.URL(), ":")+1:]
	script := `(async () => {
		const r = await fetch("/_mock/trades/VICTIM/pay", {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"});
		const a = await fetch("/_mock/apps");
		window.answers = r.status + " " + a.status;
	})(), 0`
	for _, tc := range []struct{ host, want string }{
		{"evil.test", "403 403"},
		{"localhost", "200 200"},
	} {
		var answers string
		// The attacker's own page would carry no CSP; the QR page's forbids
		// fetch, so it is bypassed to leave only the Host check in the way.
		url := strings.Replace(qr, "127.0.0.1", tc.host, 1)
		if err := chromedp.Run(ctx, page.SetBypassCSP(true), chromedp.Navigate(url), chromedp.WaitVisible("#amount", chromedp.ByQuery),
			chromedp.Evaluate(script, nil), chromedp.Poll(`window.answers`, &answers)); err != nil {
			t.Fatalf("%s: %v", tc.host, err)
		}
		if answers != tc.want {
			t.Errorf("from http://%s:%s: pay and list apps answered %s, want %s", tc.host, port, answers, tc.want)
		}
		want := map[string]string{"evil.test": "WAIT_BUYER_PAY", "localhost": "TRADE_SUCCESS"}[tc.host]
		if got := h.tradeStatus("VICTIM"); got != want {
			t.Fatalf("after the script on %s VICTIM is %q, want %q", tc.host, got, want)
		}
	}
}
