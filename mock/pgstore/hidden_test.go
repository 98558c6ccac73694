package pgstore_test

// The hidden-trade rule (trades no buyer acted on) over --store postgres.

import (
	"io"
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

var hiddenNoRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// A page pay opened on one replica is hidden on every replica until a
// buyer logs in there; a hidden one that times out (on whichever replica)
// notifies nothing; the merchant's cancel on another replica closes its
// cashier.
func TestReplicasHideCashierTradesUntilABuyerActs(t *testing.T) {
	rs := replicas(t, 2, mock.Options{Notify: notify.Options{Closed: notify.Always}})
	merchant := mocktest.NewMerchant(t, "success")
	open := func(out, timeout string) string {
		u, err := rs[0].Client(nil).PagePayURL(client.PagePayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse("1.00"),
			Subject: "s", TimeoutExpress: timeout}}, client.WithNotifyURL(merchant.URL))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := hiddenNoRedirect.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if !strings.HasPrefix(loc, "http") {
			loc = rs[0].URL + loc
		}
		return loc
	}
	post := func(cashier, action string) string {
		resp, err := hiddenNoRedirect.PostForm(cashier, url.Values{"action": {action}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(b)
	}
	cashier := open("HID-PG-1", "")
	for i, r := range rs {
		if q := r.Call("alipay.trade.query", `{"out_trade_no":"HID-PG-1"}`); q["sub_code"] != "ACQ.TRADE_NOT_EXIST" {
			t.Errorf("replica %d sees a page pay no buyer logged in to: %v", i, q)
		}
	}
	post(cashier, "scan")
	for i, r := range rs {
		if q := r.Call("alipay.trade.query", `{"out_trade_no":"HID-PG-1"}`); q["trade_status"] != "WAIT_BUYER_PAY" {
			t.Errorf("replica %d after Log in: %v", i, q)
		}
	}

	cashier = open("HID-PG-2", "")
	if c := rs[1].Call("alipay.trade.cancel", `{"out_trade_no":"HID-PG-2"}`); c["code"] != "10000" || c["action"] != nil {
		t.Errorf("cancel of a hidden trade on another replica: %v", c)
	}
	if body := post(cashier, "pay"); !strings.Contains(body, "TRADE_CLOSED") {
		t.Errorf("the cashier still takes payment after the merchant's cancel on another replica")
	}

	open("HID-PG-3", "5m")
	rs[1].Advance("10m")
	if q := rs[1].Call("alipay.trade.query", `{"out_trade_no":"HID-PG-3"}`); q["sub_code"] != "ACQ.TRADE_NOT_EXIST" {
		t.Errorf("a hidden trade that timed out: %v", q)
	}
	for i, r := range rs {
		if n := r.Srv.Notifier.Outbox().List(notify.Filter{}); len(n) != 0 {
			t.Errorf("replica %d has notifications for trades no buyer saw: %d", i, len(n))
		}
	}
}
