package mock_test

// Trades no buyer acted on: a buyer's cancel and a restart keep them hidden.

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// docs/differences.md: a page pay trade exists once a buyer "scans or logs
// in (... paying or failing on either page ...)"; opening the cashier is
// not acting, and before that nothing is notified "whatever
// --notify-closed says". Production has no trade at all before the buyer
// logs in, so there is nothing a buyer could cancel. The cashier's Cancel
// button (shown before Log in) makes the hidden trade exist as
// TRADE_CLOSED and sends a TRADE_CLOSED notification for an order the
// merchant was told does not exist.
func TestCashierCancelBeforeLoginKeepsTheTradeHidden(t *testing.T) {
	m := mocktest.New(t, mock.Options{Notify: notify.Options{Closed: notify.Always}})
	merchant := mocktest.NewMerchant(t, "success")
	c := m.Client(nil)
	u, err := c.PagePayURL(client.PagePayRequest{Order: client.Order{OutTradeNo: "HID-CANCEL", TotalAmount: amount.MustParse("1.00"),
		Subject: "s"}}, client.WithNotifyURL(merchant.URL))
	if err != nil {
		t.Fatal(err)
	}
	cashier := openCashier(t, m, u)
	if _, body := pageText(t, http.MethodGet, cashier, nil); !strings.Contains(body, `id="login"`) || !strings.Contains(body, `id="close"`) {
		t.Fatalf("the cashier before Log in should offer Log in and Cancel:\n%s", body)
	}
	cashierPost(t, cashier, url.Values{"action": {"close"}})
	q := m.Call("alipay.trade.query", `{"out_trade_no":"HID-CANCEL"}`)
	if q["sub_code"] != "ACQ.TRADE_NOT_EXIST" {
		t.Errorf("no buyer ever logged in, yet after the cashier's Cancel query answers %v %v %v", q["code"], q["sub_code"], q["trade_status"])
	}
	if n := m.Srv.Notifier.Outbox().List(notify.Filter{OutTradeNo: "HID-CANCEL"}); len(n) != 0 {
		t.Errorf("a notification for a trade no buyer logged in to: %d (%s)", len(n), n[0].Params["trade_status"])
	}
}

// With --data, a hidden wap trade stays hidden across a restart, its
// cashier still opens (by its token) and Log in makes it exist; its
// quit_url survives too.
func TestHiddenWapTradeAcrossARestart(t *testing.T) {
	dir := t.TempDir()
	m1 := mocktest.New(t, mock.Options{DataDir: dir})
	u, err := m1.Client(nil).WapPayURL(client.WapPayRequest{Order: client.Order{OutTradeNo: "HID-DATA-1", TotalAmount: amount.MustParse("1.00"),
		Subject: "s"}, QuitURL: "https://shop.example/quit"})
	if err != nil {
		t.Fatal(err)
	}
	cashier := openCashier(t, m1, u)
	path := cashier[strings.Index(cashier, "/cashier/"):]
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := mocktest.New(t, mock.Options{DataDir: dir})
	expect(t, m2.Call("alipay.trade.query", `{"out_trade_no":"HID-DATA-1"}`), "sub_code", "ACQ.TRADE_NOT_EXIST")
	resp, _ := cashierPost(t, m2.URL+path, url.Values{"action": {"close"}})
	if got := resp.Header.Get("Location"); got != "https://shop.example/quit" {
		t.Errorf("quit after a restart went to %q (HTTP %d)", got, resp.StatusCode)
	}
	cashierPost(t, m2.URL+path, url.Values{"action": {"scan"}})
	expect(t, m2.Call("alipay.trade.query", `{"out_trade_no":"HID-DATA-1"}`), "code", "10000", "trade_status", "WAIT_BUYER_PAY")
}
