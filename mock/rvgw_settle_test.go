package mock_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// SettleExtendParams.royalty_finish (alipay-sdk-java-all): "如果指定完结分账，
// 则本次分账处理完成后会把该笔交易的剩余冻结金额全额解冻"; the 商家分账 guide:
// "传入分账完结标识(royalty_finish=true),则本次分账成功后会自动将剩余资金解冻".
// Once a trade's royalty is finished its remaining money is the merchant's:
// a later settlement with a new out_request_no cannot split it again. The
// mock keeps the flag (Settlement.Finish) but never reads it.
func TestRvgwNoSettlementAfterRoyaltyFinish(t *testing.T) {
	m := mocktest.New(t, mock.Options{Trades: trade.Options{SettleMaxPercent: 100}})
	no := paidAndBound(t, m, "RVGWFIN")
	fin := m.Call("alipay.trade.order.settle", `{"out_request_no":"FIN1","trade_no":"`+no+`","royalty_parameters":[{"trans_in":"2088000000000002","amount":"1.00"}],"extend_params":{"royalty_finish":"true"}}`)
	expect(t, fin, "code", "10000")
	// The finishing request repeated is still answered as the first time.
	expect(t, m.Call("alipay.trade.order.settle", `{"out_request_no":"FIN1","trade_no":"`+no+`","royalty_parameters":[{"trans_in":"2088000000000002","amount":"1.00"}],"extend_params":{"royalty_finish":"true"}}`), "code", "10000")
	if r := settle(m, no, "AFTERFIN", "1.00"); r["code"] == "10000" {
		t.Errorf("a settlement after royalty_finish=true split money already released to the merchant: %v", r)
	}
	// A finish with no transfers (unfreeze only) ends it too.
	no2 := paidAndBound(t, m, "RVGWFIN2")
	expect(t, m.Call("alipay.trade.order.settle", `{"out_request_no":"FIN2","trade_no":"`+no2+`","royalty_parameters":[],"extend_params":{"royalty_finish":"true"}}`), "code", "10000")
	if r := settle(m, no2, "AFTERFIN2", "1.00"); r["code"] == "10000" {
		t.Errorf("a settlement after an unfreeze-only royalty_finish was accepted: %v", r)
	}
}

// A refund's refund_royalty_parameters take back money a receiver got. An
// async settlement is PROCESSING (settle.query) for 5 s on the mock's clock:
// its receiver has received nothing yet, so nothing can be taken back from
// it (退分账金额超限), yet the mock counts the pending transfer and takes it
// back; query's trade_settle_info then shows a transfer_refund of 3.00 from
// a receiver with no transfer at all.
func TestRvgwRefundTakesBackNoPendingAsyncSettlement(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	no := paidAndBound(t, m, "RVGWASYNC")
	s := m.Call("alipay.trade.order.settle", `{"out_request_no":"AS1","trade_no":"`+no+`","royalty_mode":"async","royalty_parameters":[{"trans_in":"2088000000000002","amount":"3.00"}]}`)
	expect(t, s, "code", "10000")
	q := m.Call("alipay.trade.order.settle.query", `{"trade_no":"`+no+`","out_request_no":"AS1"}`)
	if l, _ := q["royalty_detail_list"].([]any); len(l) != 1 || l[0].(map[string]any)["state"] != "PROCESSING" {
		t.Fatalf("settlement not PROCESSING: %v", q)
	}
	r := m.Call("alipay.trade.refund", `{"trade_no":"`+no+`","refund_amount":"3.00","out_request_no":"RB1","refund_royalty_parameters":[{"trans_out":"2088000000000002","amount":"3.00"}]}`)
	expect(t, r, "code", "40004")
	expect(t, r, "sub_code", "ACQ.ALLOC_AMOUNT_VALIDATE_ERROR")
	if r["code"] == "10000" {
		info := m.Call("alipay.trade.query", `{"trade_no":"`+no+`","query_options":["trade_settle_info"]}`)
		t.Logf("trade_settle_info while the transfer is pending: %v", info["trade_settle_info"])
	}
}
