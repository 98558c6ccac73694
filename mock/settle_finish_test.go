package mock_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// SettleExtendParams.royalty_finish (alipay-sdk-java-all): "如果指定完结分账，
// 则本次分账处理完成后会把该笔交易的剩余冻结金额全额解冻". Once a trade's
// royalty is finished its remaining money is the merchant's: a later
// settlement with a new out_request_no cannot split it again
// (ACQ.TRADE_SETTLE_ERROR, inferred), while the finishing request repeated
// still answers as the first time.
func TestNoSettlementAfterRoyaltyFinish(t *testing.T) {
	m := mocktest.New(t, mock.Options{Trades: trade.Options{SettleMaxPercent: 100}})
	no := paidAndBound(t, m, "FINISHED")
	fin := `{"out_request_no":"FIN1","trade_no":"` + no + `","royalty_parameters":[{"trans_in":"2088000000000002","amount":"1.00"}],"extend_params":{"royalty_finish":"true"}}`
	expect(t, m.Call("alipay.trade.order.settle", fin), "code", "10000")
	expect(t, m.Call("alipay.trade.order.settle", fin), "code", "10000")
	expect(t, settle(m, no, "AFTERFIN", "1.00"), "code", "40004", "sub_code", "ACQ.TRADE_SETTLE_ERROR")
	// A finish with no transfers (unfreeze only) ends it too.
	no2 := paidAndBound(t, m, "FINISHED2")
	expect(t, m.Call("alipay.trade.order.settle", `{"out_request_no":"FIN2","trade_no":"`+no2+`","royalty_parameters":[],"extend_params":{"royalty_finish":"true"}}`), "code", "10000")
	expect(t, settle(m, no2, "AFTERFIN2", "1.00"), "code", "40004", "sub_code", "ACQ.TRADE_SETTLE_ERROR")
}
