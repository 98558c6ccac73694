package mock_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// Alipay's own support article on out_request_no (https://developer.aliyun.com/article/707486,
// 退款参数out_request_no -参数解读系列, the series docs/gateway.md cites as 707511)
// quotes production's two answers:
//   - no out_request_no and an amount other than the total:
//     ACQ.REFUND_AMT_NOT_EQUAL_TOTAL "撤销或退款金额与订单金额不一致";
//   - an out_request_no and more than was paid: ACQ.REASON_TRADE_REFUND_FEE_ERR.
//
// The mock answers the second with ACQ.REFUND_AMT_NOT_EQUAL_TOTAL (a merchant
// branching on the sub_code takes the wrong branch), and the first with the
// sub_msg 退款金额超限.
func TestRvgwRefundOverTotalSubCodes(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	expect(t, m.Call("alipay.trade.pay", `{"out_trade_no":"RVGWRF","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`), "code", "10000")
	r := m.Call("alipay.trade.refund", `{"out_trade_no":"RVGWRF","refund_amount":"10.01","out_request_no":"R1"}`)
	expect(t, r, "code", "40004")
	expect(t, r, "sub_code", "ACQ.REASON_TRADE_REFUND_FEE_ERR")
	r = m.Call("alipay.trade.refund", `{"out_trade_no":"RVGWRF","refund_amount":"1.00"}`)
	expect(t, r, "sub_code", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL")
	expect(t, r, "sub_msg", "撤销或退款金额与订单金额不一致")
}
