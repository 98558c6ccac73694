package mock_test

import (
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock"
)

// A failed alipay.trade.cancel carries retry_flag: Y where the failure is
// transient (the official face-to-face demo retries on Y whatever the
// code), N where a retry cannot succeed.
func TestCancelRetryFlag(t *testing.T) {
	h := newHarness(t, mock.Options{})
	h.call("alipay.trade.pay", `{"out_trade_no":"RT1","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`)
	const cancel = "alipay.trade.cancel"
	biz := `{"out_trade_no":"RT1"}`
	for _, c := range []struct{ header, code, sub, msg, flag string }{
		{"code=20000", "20000", "isp.unknow-error", "系统繁忙", "Y"},
		{"code=40004&sub_code=ACQ.SYSTEM_ERROR", "40004", "ACQ.SYSTEM_ERROR", "系统异常", "Y"},
		{"code=40004&sub_code=ACQ.SYSTEM_ERROR&execute=true", "40004", "ACQ.SYSTEM_ERROR", "系统异常", "Y"},
		{"code=40004&sub_code=ACQ.CANCEL_NOT_ALLOWED", "40004", "ACQ.CANCEL_NOT_ALLOWED", "交易不允许撤销", "N"},
		{"code=40004&sub_code=ACQ.TRADE_HAS_FINISHED", "40004", "ACQ.TRADE_HAS_FINISHED", "交易已完结", "N"},
	} {
		expect(t, h.verify(cancel, h.rpDo(cancel, biz, c.header), true), "code", c.code, "sub_code", c.sub, "sub_msg", c.msg, "retry_flag", c.flag)
	}
	// A business refusal of the state machine: N.
	h.call("alipay.trade.pay", `{"out_trade_no":"RT2","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`)
	h.clock.Advance(25 * time.Hour)
	expect(t, h.call(cancel, `{"out_trade_no":"RT2"}`), "code", "40004", "sub_code", "ACQ.TRADE_CANCEL_TIME_OUT", "retry_flag", "N")
}

// Texts as production writes them.
func TestProductionTexts(t *testing.T) {
	h := newHarness(t, mock.Options{}).certApp()
	h.call("alipay.trade.pay", `{"out_trade_no":"TX1","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`)
	// Closing a paid trade: 交易状态非法 (the refund table of the spec, and
	// refund of an unpaid trade, use the same code and text).
	expect(t, h.call("alipay.trade.close", `{"out_trade_no":"TX1"}`), "sub_code", "ACQ.TRADE_STATUS_ERROR", "sub_msg", "交易状态非法")
	h.call("alipay.trade.create", `{"out_trade_no":"TX2","total_amount":"1.00","subject":"s","buyer_id":"2088102146225135"}`)
	expect(t, h.call("alipay.trade.refund", `{"out_trade_no":"TX2","refund_amount":"1.00"}`), "sub_code", "ACQ.TRADE_STATUS_ERROR", "sub_msg", "交易状态非法")

	// A red-packet 10003 says 请求处理中 (seed 002's 结果码 table); trade.pay's
	// keeps " order success pay inprocess".
	const pay = "alipay.fund.coupon.order.agreement.pay"
	r := h.verify(pay, h.rpDo(pay, `{"out_order_no":"TX3","out_request_no":"TX3","order_title":"红包","amount":"1.00","payer_user_id":"2088102000000001"}`, "code=10003&execute=true"), true)
	expect(t, r, "code", "10003", "msg", "请求处理中")
	r = h.verify(pay, h.rpDo(pay, `{"out_order_no":"TX4","out_request_no":"TX4","order_title":"红包","amount":"1.00","payer_user_id":"2088102000000001"}`, "code=10003"), true)
	expect(t, r, "code", "10003", "msg", "请求处理中")
	expect(t, h.call("alipay.trade.pay", `{"out_trade_no":"TX5","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1500.00","subject":"s"}`),
		"code", "10003", "msg", " order success pay inprocess")
}

// refund_reason is "发起退款时，传入的退款原因" (alipay-sdk-java-all
// AlipayTradeFastpayRefundQueryResponse): the refund a cancel makes of a
// paid trade passes none, so its query has none.
func TestCancelRefundHasNoReason(t *testing.T) {
	h := newHarness(t, mock.Options{})
	h.call("alipay.trade.pay", `{"out_trade_no":"CR1","total_amount":"10.00","subject":"x","scene":"bar_code","auth_code":"283912345678901234"}`)
	expect(t, h.call("alipay.trade.cancel", `{"out_trade_no":"CR1"}`), "code", "10000", "action", "refund")
	q := h.call("alipay.trade.fastpay.refund.query", `{"out_trade_no":"CR1","out_request_no":"CR1"}`)
	expect(t, q, "code", "10000", "refund_status", "REFUND_SUCCESS", "refund_amount", "10.00")
	if reason, ok := q["refund_reason"]; ok {
		t.Fatalf("refund_reason %q that no request passed: %v", reason, q)
	}
}
