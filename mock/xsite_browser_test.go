package mock_test

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
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
	srv, err := mock.New(mock.Options{Clock: clock.NewManual(epoch), Seed: 1, Trades: trade.Options{ShowUnscanned: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	rec := &originRecorder{next: srv}
	mockHTTP := httptest.NewServer(rec)
	t.Cleanup(mockHTTP.Close)
	h := &harness{t: t, srv: srv, http: mockHTTP, clock: srv.Clock, key: keys.DevAppPrivateKey()}

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

// inputs are p as hidden form inputs.
func inputs(p map[string]string) string {
	var b strings.Builder
	for k, v := range p {
		fmt.Fprintf(&b, `<input type="hidden" name="%s" value="%s">`, html.EscapeString(k), html.EscapeString(v))
	}
	return b.String()
}
