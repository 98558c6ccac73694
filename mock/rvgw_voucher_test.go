package mock_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// send_back_fee is "本次商户实际退回金额" (AlipayTradeRefundResponse,
// AlipayTradeFastpayRefundQueryResponse): what the merchant itself pays
// back. A merchant-funded voucher (MDISCOUNT, magic amount 100.20) carried
// no money: the merchant received 90.20 (receipt_amount) and, refunding
// the whole 100.20, pays back only 90.20, the 10.00 voucher going back to
// the buyer as a voucher (AlipayTradeRefundModel.refund_amount: "20元无资金
// 流的营销券，商家实际收款80元 … 把20元的营销券退回给用户"). The mock answers
// send_back_fee 100.20: more than the merchant ever received.
func TestRvgwSendBackFeeLeavesOutMerchantVoucher(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	paid := m.Call("alipay.trade.pay", `{"out_trade_no":"RVGWMV","scene":"bar_code","auth_code":"283912345678901234","total_amount":"100.20","subject":"s"}`)
	expect(t, paid, "code", "10000")
	expect(t, paid, "receipt_amount", "90.20")
	r := m.Call("alipay.trade.refund", `{"out_trade_no":"RVGWMV","refund_amount":"100.20","out_request_no":"MVR1","query_options":["refund_detail_item_list"]}`)
	expect(t, r, "code", "10000")
	expect(t, r, "send_back_fee", "90.20")
	q := m.Call("alipay.trade.fastpay.refund.query", `{"out_trade_no":"RVGWMV","out_request_no":"MVR1","query_options":["refund_detail_item_list"]}`)
	expect(t, q, "send_back_fee", "90.20")
}

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
