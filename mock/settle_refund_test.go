package mock_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A refund's refund_royalty_parameters take back money a receiver got (a
// trade that is not face-to-face: TestFaceToFaceRefundTakesBackTheSplitProRata). An
// async settlement is PROCESSING for 5 s on the mock's clock: its receiver
// has received nothing yet, so nothing can be taken back from it
// (退分账金额超限); once the transfer is done, it can.
func TestRefundTakesBackNoPendingAsyncSettlement(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	no := createdAndBound(t, m, "TAKEASYNC")
	s := m.Call("alipay.trade.order.settle", `{"out_request_no":"AS1","trade_no":"`+no+`","royalty_mode":"async","royalty_parameters":[{"trans_in":"2088000000000002","amount":"3.00"}]}`)
	expect(t, s, "code", "10000")
	q := m.Call("alipay.trade.order.settle.query", `{"trade_no":"`+no+`","out_request_no":"AS1"}`)
	if l, _ := q["royalty_detail_list"].([]any); len(l) != 1 || l[0].(map[string]any)["state"] != "PROCESSING" {
		t.Fatalf("settlement not PROCESSING: %v", q)
	}
	refund := `{"trade_no":"` + no + `","refund_amount":"3.00","out_request_no":"RB1","refund_royalty_parameters":[{"trans_out":"2088000000000002","amount":"3.00"}]}`
	r := m.Call("alipay.trade.refund", refund)
	expect(t, r, "code", "40004", "sub_code", "ACQ.ALLOC_AMOUNT_VALIDATE_ERROR", "sub_msg", "退分账金额超限")
	m.Advance("5s")
	expect(t, m.Call("alipay.trade.refund", refund), "code", "10000", "refund_fee", "3.00")
}
