package mock_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// Alipay support's 交易状态问题解析 (https://developer.aliyun.com/article/707649,
// section 三) gives the default triggers per product: 当面付 and 电脑网站支付
// TRADE_SUCCESS only, but APP支付 "默认TRADE_SUCCESS(交易成功),TRADE_CLOSED(交易关闭),
// TRADE_FINISHED(交易完成)三种状态均会触发异步通知" and 手机网站支付 TRADE_SUCCESS and
// TRADE_CLOSED (also https://developer.aliyun.com/ask/285132). So an app pay
// trade that closes unpaid gets a TRADE_CLOSED notice by default.
func TestAppPayCloseNotifiesTradeClosedByDefault(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	merchant := mocktest.NewMerchant(t, "success")
	c := m.Client(nil)
	os, err := c.AppPayOrderString(client.AppPayRequest{Order: client.Order{OutTradeNo: "NT-APP-CLOSE",
		TotalAmount: amount.MustParse("1.00"), Subject: "s"}}, client.WithNotifyURL(merchant.URL))
	if err != nil {
		t.Fatal(err)
	}
	m.Control(http.MethodPost, "/app-pay", map[string]string{"order_string": os}, http.StatusOK)
	m.Control(http.MethodPost, "/trades/NT-APP-CLOSE/scan", nil, http.StatusOK) // the buyer logged in: the trade exists
	if _, err := c.Close(context.Background(), client.CloseRequest{OutTradeNo: "NT-APP-CLOSE"}); err != nil {
		t.Fatal(err)
	}
	got := m.Srv.Notifier.Outbox().List(notify.Filter{OutTradeNo: "NT-APP-CLOSE"})
	if len(got) != 1 || got[0].Params["trade_status"] != "TRADE_CLOSED" {
		t.Errorf("app pay's closed trade: want one TRADE_CLOSED notification (production's default for APP支付), got %d", len(got))
	}
}

// The same table (707649, 三) says of 当面付: "默认TRADE_SUCCESS(交易成功)触发，其余交易状态均不
// 触发异步通知", and a full refund moves the trade to TRADE_CLOSED
// (https://developer.aliyun.com/ask/285132: "只有全额退款成功后订单状态才会从TRADE_SUCCESS
// 变成TRADE_CLOSED状态，触发TRADE_CLOSED的异步通知"). So, inferred from the table, a
// face-to-face trade refunded in full gets no TRADE_CLOSED notice by default
// (no capture of a face-to-face full refund was found either way), while
// its payment and a partial refund (the trade still TRADE_SUCCESS) notify.
func TestFaceToFaceFullRefundFollowsTheTriggerTable(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	merchant := mocktest.NewMerchant(t, "success")
	m.Post(m.Params("alipay.trade.precreate", `{"out_trade_no":"NT-F2F-1","total_amount":"10.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = merchant.URL }))
	m.Control(http.MethodPost, "/trades/NT-F2F-1/pay", nil, http.StatusOK)
	for _, r := range []struct{ no, amt string }{{"R1", "4.00"}, {"R2", "6.00"}} {
		if r := m.Call("alipay.trade.refund", `{"out_trade_no":"NT-F2F-1","refund_amount":"`+r.amt+`","out_request_no":"`+r.no+`"}`); r["code"] != "10000" {
			t.Fatalf("refund: %v", r)
		}
	}
	var paid, partial bool
	for _, n := range m.Srv.Notifier.Outbox().List(notify.Filter{OutTradeNo: "NT-F2F-1"}) {
		switch st, fee := n.Params["trade_status"], n.Params["refund_fee"]; {
		case st == "TRADE_CLOSED":
			t.Errorf("a face-to-face trade's full refund sent TRADE_CLOSED (%s), which 当面付 does not trigger by default", n.ID)
		case st == "TRADE_SUCCESS" && fee == "":
			paid = true
		case st == "TRADE_SUCCESS" && fee == "4.00":
			partial = true
		}
	}
	if !paid || !partial {
		t.Errorf("TRADE_SUCCESS notifications: the payment's %v, the partial refund's %v; want both", paid, partial)
	}
}
