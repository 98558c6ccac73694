package mock_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
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

// Every other amount a request carries gets its field's range error for a
// negative or over-long value, as for 0 or one past its limit, never the
// format error; the control API refuses such a balance and keeps the one
// it had.
func TestOutOfRangeAmountsGetEachFieldsRangeError(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	const transfer = `{"out_biz_no":"NEG-T%d","trans_amount":%s,"product_code":"TRANS_ACCOUNT_NO_PWD","transfer_scene_name":"佣金报酬","biz_scene":"DIRECT_TRANSFER","payee_info":{"identity":"2088000000000777","identity_type":"ALIPAY_USER_ID"}}`
	for _, tc := range []struct {
		method, biz string // biz has %d for a number and %s where the amount goes
		sub, msg    string
	}{
		{"alipay.trade.precreate", `{"out_trade_no":"NEG-D%d","subject":"s","total_amount":"1.00","discountable_amount":%s}`,
			"ACQ.INVALID_PARAMETER", "discountable_amount/undiscountable_amount取值范围[0.01,100000000]"},
		{"alipay.trade.precreate", `{"out_trade_no":"NEG-G%d","subject":"s","total_amount":"1.00","goods_detail":[{"goods_id":"g","goods_name":"n","quantity":1,"price":%s}]}`,
			"ACQ.INVALID_PARAMETER", "price取值范围[0,100000000]"},
		{"alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"NEG-C%d","out_request_no":"1","order_title":"t","payer_user_id":"2088102146225135","amount":%s}`,
			"INVALID_PARAMETER", "amount取值范围[0.01,100000000.00]"},
	} {
		for i, v := range []string{`"-1"`, `-0.01`, `"1000000000000"`, `"-1000000000000.00"`} {
			r := m.Call(tc.method, fmt.Sprintf(tc.biz, i, v))
			if r["code"] != "40004" || r["sub_code"] != tc.sub || !strings.Contains(fmt.Sprint(r["sub_msg"]), tc.msg) {
				t.Errorf("%s %s: %v %v %v; want 40004 %s %s", tc.method, fmt.Sprintf(tc.biz, i, v), r["code"], r["sub_code"], r["sub_msg"], tc.sub, tc.msg)
			}
		}
	}
	// A transfer: a negative amount gets what 0 gets, an over-long one what
	// one past the single limit gets.
	for i, tc := range []struct{ v, like string }{{`"-1"`, `"0"`}, {`-0.01`, `0`}, {`"1000000000000"`, `"100000000.01"`}} {
		r, want := m.Call("alipay.fund.trans.uni.transfer", fmt.Sprintf(transfer, i, tc.v)), m.Call("alipay.fund.trans.uni.transfer", fmt.Sprintf(transfer, 10+i, tc.like))
		if want["code"] != "40004" || r["code"] != want["code"] || r["sub_code"] != want["sub_code"] || r["sub_msg"] != want["sub_msg"] {
			t.Errorf("trans_amount %s: %v %v %v; want what %s gets: %v %v %v", tc.v, r["code"], r["sub_code"], r["sub_msg"], tc.like, want["code"], want["sub_code"], want["sub_msg"])
		}
	}
	m.Control("POST", "/apps/"+keys.DevCertAppID+"/balance", map[string]string{"available_amount": "5.00"}, http.StatusOK)
	for _, v := range []string{"-1.00", "1000000000000"} {
		m.Control("POST", "/apps/"+keys.DevCertAppID+"/balance", map[string]string{"available_amount": v}, http.StatusBadRequest)
	}
	if b := string(m.Control("GET", "/apps/"+keys.DevCertAppID+"/balance", nil, http.StatusOK)); !strings.Contains(b, `"available_amount":"5.00"`) {
		t.Errorf("balance after refused bodies: %s, want 5.00 kept", b)
	}
}
