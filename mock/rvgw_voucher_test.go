package mock_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// A settlement splits the merchant's takings from the trade. On a trade
// paid partly with a merchant-funded voucher the merchant took 90.20 of
// 100.20 (receipt_amount): even at --settle-max-percent 100 it cannot
// split off 100.20, 10.00 of which never reached it. The mock bounds
// settlements by total_amount less refunds, never by receipt_amount.
func TestRvgwSettlementBoundedByWhatTheMerchantReceived(t *testing.T) {
	m := mocktest.New(t, mock.Options{Trades: trade.Options{SettleMaxPercent: 100}})
	paid := m.Call("alipay.trade.pay", `{"out_trade_no":"RVGWMVS","scene":"bar_code","auth_code":"283912345678901234","total_amount":"100.20","subject":"s"}`)
	expect(t, paid, "receipt_amount", "90.20")
	expect(t, m.Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"BMVS","receiver_list":[{"type":"userId","account":"2088000000000002"}]}`), "code", "10000")
	r := settle(m, paid["trade_no"].(string), "MVSALL", "100.20")
	expect(t, r, "code", "40004")
	expect(t, r, "sub_code", "ACQ.ALLOC_AMOUNT_VALIDATE_ERROR")
}
