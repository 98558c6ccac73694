package mock_test

import (
	"fmt"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A negative total_amount, or a well-formed one with more than 12 integer
// digits, is a number out of range, not a malformed one: production's
// ACQ.TOTAL_FEE_EXCEED is the answer for an amount "小于等于0" or
// "大于100000000元" (the error table's 解决方案 column), as for 0 and
// 100000000.01, not ACQ.INVALID_PARAMETER 金额格式错误. A refund's
// refund_amount likewise gets the range error a 0 gets.
func TestOutOfRangeAmountsGetTheRangeError(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	for i, v := range []string{`"-1"`, `"-0.01"`, `-1`, `-100.00`, `"1000000000000"`, `"100000000000000.00"`, `1000000000000`} {
		r := m.Call("alipay.trade.precreate", fmt.Sprintf(`{"out_trade_no":"NEG-%d","subject":"s","total_amount":%s}`, i, v))
		if r["code"] != "40004" || r["sub_code"] != "ACQ.TOTAL_FEE_EXCEED" {
			t.Errorf("total_amount %s: %v %v %v; want 40004 ACQ.TOTAL_FEE_EXCEED, as for 0 and 100000000.01", v, r["code"], r["sub_code"], r["sub_msg"])
		}
	}
	m.Call("alipay.trade.pay", `{"out_trade_no":"NEG-PAID","total_amount":"10.00","subject":"s","scene":"bar_code","auth_code":"281234567890123456"}`)
	for i, v := range []string{`"-1"`, `-0.01`} {
		r := m.Call("alipay.trade.refund", fmt.Sprintf(`{"out_trade_no":"NEG-PAID","out_request_no":"R%d","refund_amount":%s}`, i, v))
		if r["sub_msg"] != "参数无效：refund_amount取值范围[0.01,100000000]" {
			t.Errorf("refund_amount %s: %v %v %v; want the range error a 0 gets", v, r["code"], r["sub_code"], r["sub_msg"])
		}
	}
}

// ACQ.TOTAL_FEE_EXCEED's sub_msg: Alipay's error table documents
// "订单总金额超过限额"; "订单金额不能小于等于0，且不能大于100000000元，请修改订单
// 金额后重新发起支付请求。" is that table's 解决方案 (solution) column, which
// production never sends (see Bishoptylaor/paypay alipay/utils/busserr.go,
// the spec's list of precreate sub_codes).
func TestTotalFeeExceedSubMsgIsTheDocumentedOne(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	r := m.Call("alipay.trade.precreate", `{"out_trade_no":"BIG","subject":"s","total_amount":"100000000.01"}`)
	if r["sub_code"] != "ACQ.TOTAL_FEE_EXCEED" || r["sub_msg"] != "订单总金额超过限额" {
		t.Errorf("total_amount 100000000.01: %v %v; want ACQ.TOTAL_FEE_EXCEED 订单总金额超过限额", r["sub_code"], r["sub_msg"])
	}
}
