package mock_test

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

// A red packet's sender named on the cashier by buyer_id alone has an
// account, as every payer does (AlipayFundCouponOperationQueryResponse's
// payer_logon_id, 付款方支付宝账号): the query and the notification carry it,
// as the trade cashier's buyer named by buyer_id has one.
func TestRedPacketSenderNamedByIDHasALogon(t *testing.T) {
	m := mocktest.New(t, mock.Options{FundPublicKey: true})
	merchant := mocktest.NewMerchant(t, "success")
	const sender = "2088000000000042"

	p := m.Params("alipay.fund.coupon.order.page.pay", `{"out_order_no":"RP","out_request_no":"RP-pay","order_title":"红包","amount":"8.88"}`,
		func(p map[string]string) { p["notify_url"] = merchant.URL })
	resp, err := cashierNoRedirect.PostForm(m.URL+mock.GatewayPath, mocktest.Form(p))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cashier := resp.Header.Get("Location")
	if !strings.Contains(cashier, "/cashier/coupon/") {
		t.Fatalf("page pay: HTTP %d %q", resp.StatusCode, cashier)
	}
	if r, body := cashierPost(t, cashier, url.Values{"action": {"pay"}, "buyer_id": {sender}}); r.StatusCode != http.StatusOK || !strings.Contains(body, "支付成功") {
		t.Fatalf("sender pays: HTTP %d", r.StatusCode)
	}
	q := m.Call("alipay.fund.coupon.operation.query", `{"out_order_no":"RP","out_request_no":"RP-pay"}`)
	if q["payer_user_id"] != sender || q["payer_logon_id"] == nil || q["payer_logon_id"] == "" {
		t.Errorf("operation query: payer_user_id %v, payer_logon_id %v; want %s and the sender's (masked) account", q["payer_user_id"], q["payer_logon_id"], sender)
	}
	n := m.WaitNotifications(notify.Filter{OutTradeNo: "RP"}, 1)
	if len(n) == 0 {
		t.Fatal("no notification")
	} else if n[0].Params["payer_logon_id"] == "" {
		t.Errorf("notification: no payer_logon_id (payer_user_id %q)", n[0].Params["payer_user_id"])
	}

	// The trade cashier: a buyer named by the same buyer_id alone pays
	// with the same account.
	u, err := m.Client(nil).PagePayURL(client.PagePayRequest{Order: client.Order{OutTradeNo: "TRADE", TotalAmount: amount.MustParse("1.00"), Subject: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	cashierPost(t, openCashier(t, m, u), url.Values{"action": {"pay"}, "buyer_id": {sender}})
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"TRADE"}`), "buyer_user_id", sender)
	if tq := m.Call("alipay.trade.query", `{"out_trade_no":"TRADE"}`); tq["buyer_logon_id"] != q["payer_logon_id"] {
		t.Errorf("user %s: trade buyer_logon_id %v, red packet payer_logon_id %v", sender, tq["buyer_logon_id"], q["payer_logon_id"])
	}

	// A sender named by a logon alone is the user a trade's buyer named
	// by that logon is.
	p = m.Params("alipay.fund.coupon.order.page.pay", `{"out_order_no":"RP2","out_request_no":"RP2-pay","order_title":"红包","amount":"1.00"}`, nil)
	if resp, err = cashierNoRedirect.PostForm(m.URL+mock.GatewayPath, mocktest.Form(p)); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cashierPost(t, resp.Header.Get("Location"), url.Values{"action": {"pay"}, "buyer_logon_id": {"alice@example.com"}})
	q2 := m.Call("alipay.fund.coupon.operation.query", `{"out_order_no":"RP2","out_request_no":"RP2-pay"}`)
	if u, err = m.Client(nil).PagePayURL(client.PagePayRequest{Order: client.Order{OutTradeNo: "TRADE2", TotalAmount: amount.MustParse("1.00"), Subject: "s"}}); err != nil {
		t.Fatal(err)
	}
	cashierPost(t, openCashier(t, m, u), url.Values{"action": {"pay"}, "buyer_logon_id": {"alice@example.com"}})
	if tq := m.Call("alipay.trade.query", `{"out_trade_no":"TRADE2"}`); q2["payer_user_id"] == nil || tq["buyer_user_id"] != q2["payer_user_id"] {
		t.Errorf("alice@example.com: red packet payer_user_id %v, trade buyer_user_id %v", q2["payer_user_id"], tq["buyer_user_id"])
	}
}
