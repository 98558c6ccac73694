package mock_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/audit/audittest"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// The dashboard's audit form, filled in and sent from a browser (a
// same-origin post), shows the report; the page and its report fit a
// laptop and a phone.
func TestBrowserAuditPage(t *testing.T) {
	ctx := browser(t)
	// A stopped clock and a seed: the screenshots change only when the page does.
	srv := mock.NewTestServer(t, mock.Options{Seed: 19, Clock: clock.NewManual(time.Date(2026, 11, 23, 10, 0, 0, 0, time.FixedZone("GMT+8", 8*3600)))})
	m := mocktest.On(t, srv)
	m.Post(m.Params("alipay.trade.precreate", `{"out_trade_no":"BR-1","total_amount":"12.50","subject":"奶茶 milk tea"}`, nil))
	post(t, srv.URL()+"/_mock/trades/BR-1/pay")
	var tr struct {
		Seller struct {
			ID string `json:"seller_id"`
		} `json:"seller"`
	}
	getJSON(t, srv.URL()+"/_mock/trades/BR-1", &tr)
	shop := audittest.NewShop(t, audittest.SkipsSignature, keys.DevAppID, tr.Seller.ID, srv.AlipayPublicKey(), "BR-1", 1250)
	load := chromedp.Tasks{
		chromedp.Navigate(srv.URL() + "/_mock/ui/audit?out_trade_no=BR-1"),
		chromedp.SetValue(`input[name="notify_url"]`, shop.URL+"/alipay/notify", chromedp.ByQuery),
		chromedp.Click(`#audit-form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#audit-report", chromedp.ByQuery),
	}
	checkLayout(ctx, t, "dashboard-audit", load, true, "3 finding(s), 3 security, 0 correctness")
	if got := text(ctx, t, `tr[data-probe="forged-signature"] td:last-child`); got[:8] != "security" {
		t.Errorf("forged-signature: %q", got)
	}
}
