package mock_test

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// In a real browser, a page on another site that signs alipay.trade.close
// with the public dev key and makes the browser send it (an auto-submitted
// form, an image) closes nothing, while its page pay still opens the
// cashier; the same page on another port of the mock's host (same-site:
// the tester's own app) closes the trade.
func TestBrowserCrossSiteGatewayCalls(t *testing.T) {
	ctx := browser(t)
	h, rec := recordedMock(t, mock.Options{Clock: clock.NewManual(epoch), Seed: 1, Trades: trade.Options{ShowUnscanned: true}})
	mockHTTP := h.http

	pages := map[string]string{}
	for _, out := range []string{"XS-CROSS", "XS-SAME"} {
		h.precreate(out, nil)
		closeForm := h.params("alipay.trade.close", `{"out_trade_no":"`+out+`"}`, nil)
		pay := h.params("alipay.trade.page.pay", `{"out_trade_no":"`+out+`-PAGE","total_amount":"1.00","subject":"s","product_code":"FAST_INSTANT_TRADE_PAY"}`, nil)
		pages[out] = fmt.Sprintf(`<!DOCTYPE html><html><head><title>shop</title></head><body>
<iframe name="s1"></iframe><iframe name="s2"></iframe>
<form id="close" method="POST" action="%[1]s/gateway.do" target="s1">%[2]s</form>
<form id="pay" method="POST" action="%[1]s/gateway.do" target="s2">%[3]s</form>
<img src="%[1]s/gateway.do?%[4]s" onerror="document.title='done'" onload="document.title='done'">
<script>document.getElementById("close").submit(); document.getElementById("pay").submit();</script>
</body></html>`, mockHTTP.URL, inputs(closeForm), inputs(pay), html.EscapeString(mocktest.Form(closeForm).Encode()))
	}
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, pages[r.URL.Query().Get("out")])
	}))
	t.Cleanup(shop.Close)
	port := shop.URL[strings.LastIndex(shop.URL, ":")+1:]

	for _, tc := range []struct{ name, origin, out, site, want string }{
		{"another site", "http://localhost:" + port, "XS-CROSS", "cross-site", "WAIT_BUYER_PAY"},
		{"another port of the same site", "http://127.0.0.1:" + port, "XS-SAME", "same-site", "TRADE_CLOSED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var title string
			if err := chromedp.Run(ctx, chromedp.Navigate(tc.origin+"/?out="+tc.out),
				chromedp.Poll(`document.title === "done" && document.title`, &title)); err != nil {
				t.Fatal(err)
			}
			from := func(method string, status int) func(seenRequest) bool {
				return func(s seenRequest) bool {
					// An image's GET carries no Origin: its Sec-Fetch-Site tells.
					return s.method == method && s.path == "/gateway.do" && s.status == status &&
						(s.origin == tc.origin || method == http.MethodGet && s.origin == "" && s.site == tc.site)
				}
			}
			closed := rec.waitFor(t, "the close form from "+tc.origin, from(http.MethodPost, http.StatusOK))
			if closed.site != tc.site {
				t.Fatalf("the browser sent Sec-Fetch-Site %q, the test expects %q", closed.site, tc.site)
			}
			rec.waitFor(t, "the close image from "+tc.origin, from(http.MethodGet, http.StatusOK))
			rec.waitFor(t, "the page pay from "+tc.origin+" answered with the cashier", from(http.MethodPost, http.StatusFound))
			if got := h.tradeStatus(tc.out); got != tc.want {
				t.Fatalf("%s is %q after the page, want %q", tc.out, got, tc.want)
			}
		})
	}
}

// DNS rebinding in a real browser, on plain http: Chromium sends no
// Sec-Fetch-* to http://evil.test (not loopback, not https), and a
// same-origin fetch GET no Origin either, yet the page could read the
// answer. Its GET and its POST of a signed alipay.trade.close are both
// refused (the GET as a browser's GET that names no page, the POST by its
// Host); the same script under localhost closes the trades.
func TestBrowserRebindingPageCannotCallTheGateway(t *testing.T) {
	srv := mock.NewTestServer(t, mock.Options{Clock: clock.NewManual(epoch), Trades: trade.Options{ShowUnscanned: true}})
	ctx := browser(t) // after the server: the tab goes first (TestBrowserDNSRebindingRefused)
	h := &harness{t: t, srv: srv, http: &httptest.Server{URL: srv.URL()}, clock: srv.Clock, key: keys.DevAppPrivateKey()}
	for _, tc := range []struct {
		host, want, status string
	}{
		{"evil.test", gateway.CrossSiteSubCode, "WAIT_BUYER_PAY"},
		{"localhost", `"code":"10000"`, "TRADE_CLOSED"},
	} {
		t.Run(tc.host, func(t *testing.T) {
			get, post := "GET-"+tc.host, "POST-"+tc.host
			qr := h.precreate(get, nil)
			h.precreate(post, nil)
			script := fmt.Sprintf(`(async () => {
				const g = await fetch("/gateway.do?%s");
				const gt = await g.text();
				const p = await fetch("/gateway.do", {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: %q});
				window.answers = [gt, await p.text()];
			})(), 0`, mocktest.Form(h.params("alipay.trade.close", `{"out_trade_no":"`+get+`"}`, nil)).Encode(),
				mocktest.Form(h.params("alipay.trade.close", `{"out_trade_no":"`+post+`"}`, nil)).Encode())
			var answers []string
			// The QR page's CSP forbids fetch; the attacker's own page would
			// carry none.
			if err := chromedp.Run(ctx, page.SetBypassCSP(true), chromedp.Navigate(strings.Replace(qr, "127.0.0.1", tc.host, 1)),
				chromedp.WaitVisible("#amount", chromedp.ByQuery), chromedp.Evaluate(script, nil),
				chromedp.Poll(`window.answers`, &answers)); err != nil {
				t.Fatal(err)
			}
			for i, out := range []string{get, post} {
				if !strings.Contains(answers[i], tc.want) {
					t.Errorf("the page read the answer to its close of %s: %s; want %s", out, answers[i], tc.want)
				}
				if got := h.tradeStatus(out); got != tc.status {
					t.Errorf("%s is %q after the page, want %q", out, got, tc.status)
				}
			}
		})
	}
}

// The mock reached by a plain-http name that is not loopback (a LAN
// address, a Docker service name; here evil.test, named by --allowed-host):
// Chromium sends no Sec-Fetch-Site there, and another site's image GET no
// Origin. The image's close is refused, as is the form's (by its Origin).
func TestBrowserCrossSiteImageOnPlainHTTPHost(t *testing.T) {
	ctx := browser(t)
	h, rec := recordedMock(t, mock.Options{Clock: clock.NewManual(epoch), Seed: 1, Trades: trade.Options{ShowUnscanned: true},
		AllowedHosts: []string{"evil.test"}})
	mockHTTP := h.http
	h.precreate("IMG", nil)
	h.precreate("FORM", nil)
	base := strings.Replace(mockHTTP.URL, "127.0.0.1", "evil.test", 1) // the shared Chromium maps evil.test to 127.0.0.1
	img := mocktest.Form(h.params("alipay.trade.close", `{"out_trade_no":"IMG"}`, nil)).Encode()
	form := h.params("alipay.trade.close", `{"out_trade_no":"FORM"}`, nil)
	body := fmt.Sprintf(`<!DOCTYPE html><html><head><title>shop</title></head><body>
<iframe name="s1"></iframe>
<form id="f" method="POST" action="%[1]s/gateway.do" target="s1">%[2]s</form>
<img src="%[1]s/gateway.do?%[3]s" onerror="document.title='done'" onload="document.title='done'">
<script>document.getElementById("f").submit();</script></body></html>`, base, inputs(form), html.EscapeString(img))
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(shop.Close)
	var title string
	if err := chromedp.Run(ctx, chromedp.Navigate(shop.URL), chromedp.Poll(`document.title === "done" && document.title`, &title)); err != nil {
		t.Fatal(err)
	}
	gatewayCall := func(method string) func(seenRequest) bool {
		return func(s seenRequest) bool {
			return s.method == method && s.path == "/gateway.do" && s.status == http.StatusOK
		}
	}
	if s := rec.waitFor(t, "the image", gatewayCall(http.MethodGet)); s.site != "" || s.origin != "" {
		t.Fatalf("the image's GET came with Sec-Fetch-Site %q, Origin %q; the test expects neither", s.site, s.origin)
	}
	rec.waitFor(t, "the form", gatewayCall(http.MethodPost))
	for _, out := range []string{"IMG", "FORM"} {
		if got := h.tradeStatus(out); got != "WAIT_BUYER_PAY" {
			t.Errorf("%s is %q after the page, want WAIT_BUYER_PAY", out, got)
		}
	}
}

// inputs are p as hidden form inputs.
func inputs(p map[string]string) string {
	var b strings.Builder
	for k, v := range p {
		fmt.Fprintf(&b, `<input type="hidden" name="%s" value="%s">`, html.EscapeString(k), html.EscapeString(v))
	}
	return b.String()
}
