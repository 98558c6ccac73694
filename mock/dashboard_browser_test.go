package mock_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/alipay-mock/alipay-mock/mock"
)

// dashboardShows opens the dashboard's trade and notification lists in
// the browser and checks the trade is there, paid, with its notification
// delivered.
func dashboardShows(ctx context.Context, t *testing.T, srv *mock.Server, out string) {
	t.Helper()
	// The merchant has the notification before the outbox records the
	// answer: wait for the record (a long poll), then look.
	resp, err := http.Get(srv.URL() + "/_mock/notifications?state=delivered&wait=10s&out_trade_no=" + out)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var trades, notes string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(srv.URL()+"/_mock/ui/trades"), chromedp.WaitVisible("main", chromedp.ByQuery),
		chromedp.Text("main", &trades, chromedp.ByQuery),
		chromedp.Navigate(srv.URL()+"/_mock/ui/notifications?out_trade_no="+out), chromedp.WaitVisible("main", chromedp.ByQuery),
		chromedp.Text("main", &notes, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(trades, out) || !strings.Contains(trades, "TRADE_SUCCESS") {
		t.Errorf("dashboard trades: %.500s", trades)
	}
	if !strings.Contains(notes, out) || !strings.Contains(notes, "delivered") {
		t.Errorf("dashboard notifications: %.500s", notes)
	}
}
