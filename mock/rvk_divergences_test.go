package mock_test

// Reviewer rv-k: answers where the mock differs from production and
// docs/differences.md does not say so. Each test asserts production's
// behaviour and fails against the mock as it is.

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// alipay.trade.order.settle.query's RoyaltyDetail returns trans_out "只有在
// operation_type为replenish(补差),transfer_refund(退分账)类型才返回"
// (alipay-sdk-java-all v2/src/main/java/com/alipay/api/domain/RoyaltyDetail.java):
// a transfer's detail names only the receiver.
func TestRVKSettleQueryTransferHasNoTransOut(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	paid := m.Call("alipay.trade.pay", `{"out_trade_no":"RVK3","total_amount":"100.00","subject":"x","scene":"bar_code","auth_code":"283912345678901234"}`)
	tn, _ := paid["trade_no"].(string)
	m.Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"B1","receiver_list":[{"type":"userId","account":"2088000000000002","memo":"m"}]}`)
	s := m.Call("alipay.trade.order.settle", `{"out_request_no":"ST1","trade_no":"`+tn+`","royalty_parameters":[{"trans_in":"2088000000000002","amount":"1.00"}]}`)
	no, _ := s["settle_no"].(string)
	q := m.Call("alipay.trade.order.settle.query", `{"settle_no":"`+no+`"}`)
	list, _ := q["royalty_detail_list"].([]any)
	if len(list) != 1 {
		t.Fatalf("settle query: %v", q)
	}
	d := list[0].(map[string]any)
	if d["operation_type"] != "transfer" {
		t.Fatalf("detail: %v", d)
	}
	if _, ok := d["trans_out"]; ok {
		t.Errorf("a transfer's royalty detail carries trans_out: %v", d)
	}
}

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
