package mock_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// AlipayTradePayModel.query_options: "包括但不限于：["fund_bill_list",
// "voucher_detail_list","enterprise_pay_info","discount_goods_detail",
// "discount_amount","mdiscount_amount"]"; the pay and query responses carry
// discount_amount (平台优惠金额) and mdiscount_amount (商家优惠金额). A trade
// paid partly with a voucher (magic amounts 100.10: Alipay's 10.00, 100.20:
// the merchant's 10.00) never reports them, however they are asked for.
func TestRvgwDiscountAmountsWhenAsked(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	p := m.Call("alipay.trade.pay", `{"out_trade_no":"RVGWMD","scene":"bar_code","auth_code":"283912345678901234","total_amount":"100.20","subject":"s","query_options":["mdiscount_amount","discount_amount"]}`)
	expect(t, p, "code", "10000")
	expect(t, p, "mdiscount_amount", "10.00")
	q := m.Call("alipay.trade.query", `{"out_trade_no":"RVGWMD","query_options":["mdiscount_amount"]}`)
	expect(t, q, "mdiscount_amount", "10.00")
	m.Call("alipay.trade.pay", `{"out_trade_no":"RVGWD","scene":"bar_code","auth_code":"283912345678901234","total_amount":"100.10","subject":"s"}`)
	q = m.Call("alipay.trade.query", `{"out_trade_no":"RVGWD","query_options":["discount_amount"]}`)
	expect(t, q, "discount_amount", "10.00")
}
