package mock_test

// Reviewer nt: the content of notifications against production's.

import (
	"encoding/json"
	"net/http"

	"github.com/alipay-mock/alipay-mock/mock/mocktest"
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

// The async settlement's message: each royalty_detail_list entry of the
// receiver struct docs/differences.md follows for biz_content's field
// order ("as a struct made from a received body would be": operation_dt,
// royalty_finish_amount, trade_no, msg_type, operation_finish_dt,
// royalty_detail_list, out_request_no, settle_no) declares amount,
// operation_type, trans_in, state, detail_id, execute_dt and
// trans_in_type. The mock's detail has no execute_dt and no trans_in_type,
// though its own alipay.trade.order.settle.query gives both for the same
// transfer.
func TestRvntSettleMessageDetailCarriesExecuteDtAndTransInType(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	gw := mocktest.NewMerchant(t, "success")
	registerDevApp(t, m, gw.URL+"/gateway", http.StatusCreated)
	settleAsync(t, m, "RVNTSM")
	m.Advance("5s")
	m.Notifications("out_trade_no=RVNTSM&state=delivered&count=1")
	calls := gw.Calls()
	if len(calls) != 1 {
		t.Fatalf("%d messages, want 1", len(calls))
	}
	var biz struct {
		Details []map[string]any `json:"royalty_detail_list"`
	}
	if err := json.Unmarshal([]byte(calls[0].Form.Get("biz_content")), &biz); err != nil || len(biz.Details) != 1 {
		t.Fatalf("biz_content %q: %v", calls[0].Form.Get("biz_content"), err)
	}
	d := biz.Details[0]
	if d["execute_dt"] == nil || d["trans_in_type"] != "userId" {
		t.Errorf("royalty detail %v: want execute_dt (the transfer's time) and trans_in_type userId, as settle.query gives", d)
	}
}

// Alipay's own notify_url demos for Java answer from a JSP page whose
// page directives each leave a line break before the body and whose answer
// is out.println("success") (the legacy alipay_notify.jsp copied in
// wb670/stonelab cow/docs/alipay/demo/WebRoot/alipay_notify.jsp; the new
// page-pay demo's notify_url.jsp, copied in lemonchanning/waiversystem
// src/main/webapp/WEB-INF/views/notify_pay.jsp): the body is "\r\n…success\r\n".
// Those demos were production-tested for years, so production must take
// "success" with surrounding white space (inferred; the guide's "success这7
// 个字符" speaks of the characters printed). The mock counts it a failure
// and retries for 25 hours, then gives up.
func TestRvntSuccessWithLineBreaksOfAJSPIsDelivered(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := newMerchant(t, "\r\n\r\n\r\nsuccess\r\n")
	h.payWithNotify("JSP1", "1.00", m.URL)
	n := h.m().WaitAttempts("JSP1", 1)
	if n.State != notify.Delivered {
		t.Errorf("a JSP's \"success\" between line breaks: %s after attempt %d (%q)", n.State, len(n.Attempts), n.Attempts[0].Response)
	}
}
