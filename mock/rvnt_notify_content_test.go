package mock_test

// Reviewer nt: the content of notifications against production's.

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// TRADE_FINISHED ends the trade: production's notice carries gmt_close, the
// time the trade ended ("gmt_close 交易结束时间"). A captured app-pay
// notice (lokielse/omnipay-alipay tests/AopAppGatewayTest.php) reads
// "gmt_close":"2016-09-23 19:08:10","trade_status":"TRADE_FINISHED", and
// the legacy instant-pay captures do the same. The mock sends none.
func TestRvntTradeFinishedNoticeCarriesGmtClose(t *testing.T) {
	h := newHarness(t, mock.Options{Notify: notify.Options{Finished: notify.Always}})
	m := newMerchant(t, "success")
	h.payWithNotify("FIN1", "10.00", m.URL)
	h.advance(`{"by":"9000h"}`) // past the 365-day refund window
	calls := m.calls()
	var finished int
	for _, c := range calls {
		if c.form.Get("trade_status") != "TRADE_FINISHED" {
			continue
		}
		finished++
		if c.form.Get("gmt_close") == "" {
			t.Errorf("TRADE_FINISHED notice has no gmt_close: %v", c.form)
		}
	}
	if finished == 0 {
		t.Fatalf("no TRADE_FINISHED notice among %d", len(calls))
	}
}

// A trade refunded in part and then finished: the TRADE_FINISHED notice of
// the captured app-pay trade above carries refund_fee ("0.00" there, no
// refund made), the trade's refunded total. A merchant that books the net
// amount on TRADE_FINISHED (helei112g/payment#67: "TRADE_FINISHED 在订单退款
// 成功后，仍然会发通知") reads it; the mock leaves it out.
func TestRvntTradeFinishedNoticeCarriesRefundFee(t *testing.T) {
	h := newHarness(t, mock.Options{Notify: notify.Options{Finished: notify.Always}})
	m := newMerchant(t, "success")
	h.payWithNotify("FIN2", "10.00", m.URL)
	h.call("alipay.trade.refund", `{"out_trade_no":"FIN2","refund_amount":"4.00","out_request_no":"R1"}`)
	h.advance(`{"by":"9000h"}`)
	var finished int
	for _, c := range m.calls() {
		if c.form.Get("trade_status") != "TRADE_FINISHED" {
			continue
		}
		finished++
		if got := c.form.Get("refund_fee"); got != "4.00" {
			t.Errorf("TRADE_FINISHED notice of a trade refunded 4.00: refund_fee %q, want \"4.00\"", got)
		}
	}
	if finished == 0 {
		t.Fatal("no TRADE_FINISHED notice")
	}
}
