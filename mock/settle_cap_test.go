package mock_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// paidAndBound pays out_trade_no out for 10.00 and binds the receiver
// 2088000000000002; it returns the trade_no.
func paidAndBound(t *testing.T, m *mocktest.Mock, out string) string {
	t.Helper()
	paid := m.Call("alipay.trade.pay", `{"out_trade_no":"`+out+`","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`)
	expect(t, paid, "code", "10000")
	expect(t, m.Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"B`+out+`","receiver_list":[{"type":"userId","account":"2088000000000002"}]}`), "code", "10000")
	return paid["trade_no"].(string)
}

// createdAndBound is paidAndBound for a trade that is not face-to-face
// (alipay.trade.create, paid by its buyer through the control API), whose
// refunds take back what refund_royalty_parameters name.
func createdAndBound(t *testing.T, m *mocktest.Mock, out string) string {
	t.Helper()
	made := m.Call("alipay.trade.create", `{"out_trade_no":"`+out+`","total_amount":"10.00","subject":"s","buyer_id":"2088102146225135"}`)
	expect(t, made, "code", "10000")
	m.Control(http.MethodPost, "/trades/"+out+"/pay", nil, http.StatusOK)
	expect(t, m.Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"B`+out+`","receiver_list":[{"type":"userId","account":"2088000000000002"}]}`), "code", "10000")
	return made["trade_no"].(string)
}

func settle(m *mocktest.Mock, tradeNo, outRequestNo, amt string) map[string]any {
	return m.Call("alipay.trade.order.settle", `{"out_request_no":"`+outRequestNo+`","trade_no":"`+tradeNo+`","royalty_parameters":[{"trans_in":"2088000000000002","amount":"`+amt+`"}]}`)
}

// Alipay's 商家分账 guide: "一笔订单支持多次分账，总分账金额默认不能超过订单
// 总金额（total_amont）的 30%". A trade's settlements together split off at
// most 30% of its total unless the mock is told another ratio
// (--settle-max-percent).
func TestSettlementsAreCappedAtThirtyPercentByDefault(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	no := paidAndBound(t, m, "CAP1")
	r := settle(m, no, "CAPHALF", "5.00")
	expect(t, r, "code", "40004")
	expect(t, r, "sub_code", "ACQ.ALLOC_AMOUNT_VALIDATE_ERROR")
	expect(t, settle(m, no, "CAPA", "2.00"), "code", "10000")
	expect(t, settle(m, no, "CAPB", "1.00"), "code", "10000") // 3.00: 30% exactly
	r = settle(m, no, "CAPC", "0.01")
	expect(t, r, "sub_code", "ACQ.ALLOC_AMOUNT_VALIDATE_ERROR")

	m = mocktest.New(t, mock.Options{Trades: trade.Options{SettleMaxPercent: 100}})
	no = paidAndBound(t, m, "CAP2")
	expect(t, settle(m, no, "CAPALL", "10.00"), "code", "10000")
	expect(t, settle(m, no, "CAPMORE", "0.01"), "sub_code", "ACQ.ALLOC_AMOUNT_VALIDATE_ERROR")
}

// mock.New refuses a trade.Options.SettleMaxPercent outside 1..100 (0 is
// the default), as --settle-max-percent does: 150 was taken without error
// and became the strictest ratio, 30%.
func TestSettleMaxPercentOutsideOneToAHundredIsRefused(t *testing.T) {
	for _, p := range []int{-1, 101, 150} {
		if srv, err := mock.New(mock.Options{Trades: trade.Options{SettleMaxPercent: p}}); err == nil {
			srv.Close()
			t.Errorf("SettleMaxPercent %d was taken", p)
		}
	}
	m := mocktest.New(t, mock.Options{Trades: trade.Options{SettleMaxPercent: 100}})
	no := paidAndBound(t, m, "CAP100")
	if r := settle(m, no, "CAP100ALL", "10.00"); r["code"] != "10000" {
		t.Errorf("SettleMaxPercent 100: the whole total refused (%v %v)", r["sub_code"], r["sub_msg"])
	}
}

// A settlement splits the merchant's takings from the trade. On a trade
// paid partly with a merchant-funded voucher the merchant took 90.20 of
// 100.20 (receipt_amount): even at --settle-max-percent 100 it cannot split
// off 100.20, 10.00 of which never reached it (the bound was total_amount
// less refunds). After a refund of 80.00 it holds 10.20 (inferred rule).
func TestSettlementBoundedByWhatTheMerchantHolds(t *testing.T) {
	m := mocktest.New(t, mock.Options{Trades: trade.Options{SettleMaxPercent: 100}})
	paid := m.Call("alipay.trade.pay", `{"out_trade_no":"HELD","scene":"bar_code","auth_code":"283912345678901234","total_amount":"100.20","subject":"s"}`)
	expect(t, paid, "receipt_amount", "90.20")
	expect(t, m.Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"BHELD","receiver_list":[{"type":"userId","account":"2088000000000002"}]}`), "code", "10000")
	no := paid["trade_no"].(string)
	expect(t, settle(m, no, "HELDALL", "100.20"), "code", "40004", "sub_code", "ACQ.ALLOC_AMOUNT_VALIDATE_ERROR")
	expect(t, m.Call("alipay.trade.refund", `{"out_trade_no":"HELD","refund_amount":"80.00","out_request_no":"HR1"}`), "code", "10000")
	expect(t, settle(m, no, "HELDOVER", "10.21"), "code", "40004", "sub_code", "ACQ.ALLOC_AMOUNT_VALIDATE_ERROR")
	expect(t, settle(m, no, "HELDREST", "10.20"), "code", "10000")
}
