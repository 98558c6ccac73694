package mock_test

// Reviewer rv-k: answers where the mock differs from production and
// docs/differences.md does not say so. Each test asserts production's
// behaviour and fails against the mock as it is.

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// refund_reason is "发起退款时，传入的退款原因" (alipay-sdk-java-all
// v2/src/main/java/com/alipay/api/response/AlipayTradeFastpayRefundQueryResponse.java).
// A cancel passes none, yet the mock reports its refund with the invented
// reason "cancel".
func TestRVKCancelRefundHasNoInventedReason(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	m.Call("alipay.trade.pay", `{"out_trade_no":"RVK4","total_amount":"10.00","subject":"x","scene":"bar_code","auth_code":"283912345678901234"}`)
	c := m.Call("alipay.trade.cancel", `{"out_trade_no":"RVK4"}`)
	if c["action"] != "refund" {
		t.Fatalf("cancel: %v", c)
	}
	q := m.Call("alipay.trade.fastpay.refund.query", `{"out_trade_no":"RVK4","out_request_no":"RVK4"}`)
	if reason, ok := q["refund_reason"]; ok {
		t.Fatalf("refund_reason %q that no request passed: %v", reason, q)
	}
}
