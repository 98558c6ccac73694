package mock_test

// A scenario's then.notify acts on the notifications of the trade or red
// packet the request names (docs/scenarios.md), whether the request came
// through the gateway's API or as a browser's page, wap or app pay.

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

func TestScenarioNotifyAppliesToCashierTradesAndRedPackets(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "success")
	m := mocktest.New(t, mock.Options{FundPublicKey: true})
	m.Control(http.MethodPost, "/scenarios?name=quiet-cashier",
		"rules:\n  - name: trades\n    when: {method: [alipay.trade.precreate, alipay.trade.page.pay, alipay.trade.wap.pay, alipay.trade.app.pay]}\n"+
			"    then: {notify: {suppress: true}, buyer: {scan_after: 0s, pay_after: 1m}}\n"+
			"  - name: red packets\n    when: {method: alipay.fund.coupon.order.page.pay}\n"+
			"    then: {notify: {suppress: true}, buyer: {pay_after: 1m}}\n", http.StatusCreated)
	c := m.Client(func(cfg *client.Config) { cfg.NotifyURL = merchant.URL + "/n" })
	o := func(out string) client.Order {
		return client.Order{OutTradeNo: out, TotalAmount: amount.MustParse("9.90"), Subject: "s"}
	}
	// The ordinary gateway path, for comparison.
	withURL := func(p map[string]string) { p["notify_url"] = merchant.URL + "/n" }
	expect(t, m.Verify("alipay.trade.precreate", m.Post(m.Params("alipay.trade.precreate",
		`{"out_trade_no":"CN-PRE","total_amount":"9.90","subject":"s"}`, withURL)), true), "code", "10000")
	u, err := c.PagePayURL(client.PagePayRequest{Order: o("CN-PAGE")})
	if err != nil {
		t.Fatal(err)
	}
	openCashier(t, m, u)
	u, err = c.WapPayURL(client.WapPayRequest{Order: o("CN-WAP")})
	if err != nil {
		t.Fatal(err)
	}
	openCashier(t, m, u)
	os, err := c.AppPayOrderString(client.AppPayRequest{Order: o("CN-APP")})
	if err != nil {
		t.Fatal(err)
	}
	m.Control(http.MethodPost, "/app-pay", map[string]string{"order_string": os}, http.StatusOK)
	pagePayRedPacket(t, m, "CN-RP", merchant.URL+"/n")
	m.Advance("2m")
	for _, out := range []string{"CN-PRE", "CN-PAGE", "CN-WAP", "CN-APP", "CN-RP"} {
		n := m.WaitNotifications(notify.Filter{OutTradeNo: out}, 1)[0]
		if n.State != notify.Suppressed {
			t.Errorf("%s: the scenario's notify.suppress matched the request that opened it, but its notification is %s with %d attempt(s)", out, n.State, len(n.Attempts))
		}
	}
}

// A red packet's refund names it by auth_no only (no out_order_no): the
// scenario's then.notify on alipay.fund.coupon.order.refund still bends the
// refund's notification, as a trade's refund by trade_no alone does.
func TestScenarioNotifyAppliesToRedPacketRefundByAuthNo(t *testing.T) {
	m := mocktest.New(t, mock.Options{FundPublicKey: true})
	m.Control(http.MethodPost, "/scenarios?name=quiet-refund",
		"rules:\n  - name: r\n    when: {method: alipay.fund.coupon.order.refund}\n    then: {notify: {suppress: true}}\n", http.StatusCreated)
	refund := payAndRefundLater(t, m, "CN-RF")
	refund(m)
	ns := m.WaitNotifications(notify.Filter{OutTradeNo: "CN-RF"}, 2)
	seen := false
	for _, n := range ns {
		switch {
		case n.Event == "refunded":
			seen = true
			if n.State != notify.Suppressed {
				t.Errorf("the refund's notification is %s: the scenario that matched alipay.fund.coupon.order.refund left it unbent", n.State)
			}
		case n.State == notify.Suppressed:
			t.Errorf("the %s notification is suppressed: the refund's scenario reached back to the payment", n.Event)
		}
	}
	if !seen {
		t.Fatalf("no refund notification among %d", len(ns))
	}
}

// A page pay the cashier refuses (its out_trade_no is a precreated trade's)
// opened nothing: its scenario's then.notify does not reach the trade that
// exists.
func TestRefusedPagePayLeavesExistingTradesNotificationsAlone(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "success")
	m := mocktest.New(t, mock.Options{})
	m.Control(http.MethodPost, "/scenarios?name=quiet-page",
		"rules:\n  - name: r\n    when: {method: alipay.trade.page.pay}\n    then: {notify: {suppress: true}}\n", http.StatusCreated)
	withURL := func(p map[string]string) { p["notify_url"] = merchant.URL + "/n" }
	expect(t, m.Verify("alipay.trade.precreate", m.Post(m.Params("alipay.trade.precreate",
		`{"out_trade_no":"CN-REFUSED","total_amount":"9.90","subject":"s"}`, withURL)), true), "code", "10000")
	c := m.Client(func(cfg *client.Config) { cfg.NotifyURL = merchant.URL + "/n" })
	u, err := c.PagePayURL(client.PagePayRequest{Order: client.Order{OutTradeNo: "CN-REFUSED", TotalAmount: amount.MustParse("9.90"), Subject: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := cashierNoRedirect.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("page pay of a precreated trade's number: HTTP %d, want the cashier's error page", resp.StatusCode)
	}
	m.Control(http.MethodPost, "/trades/CN-REFUSED/scan", nil, http.StatusOK)
	m.Control(http.MethodPost, "/trades/CN-REFUSED/pay", nil, http.StatusOK)
	n := m.WaitNotifications(notify.Filter{OutTradeNo: "CN-REFUSED"}, 1)[0]
	if n.State == notify.Suppressed {
		t.Errorf("the precreated trade's notification is suppressed by the scenario of a page pay that was refused")
	}
}
