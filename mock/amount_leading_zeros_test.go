package mock_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// Leading zeros are not digits of yuan: "0000000000001.00" (13 digits) is
// 1 yuan, taken like "000000000001.00", not refused as over the limit.
func TestLeadingZerosAreNotOverTheLimit(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	for i, v := range []string{"000000000001.00", "0000000000001.00", "000000000000000000001"} {
		r := m.Call("alipay.trade.precreate", `{"out_trade_no":"ZEROS-`+string(rune('A'+i))+`","subject":"s","total_amount":"`+v+`"}`)
		if r["code"] != "10000" {
			t.Errorf("total_amount %s (1 yuan): %v %v %v; want 10000", v, r["code"], r["sub_code"], r["sub_msg"])
		}
	}
}

// A negative zero is malformed (inferred: no Alipay amount is written so),
// not read as 0.
func TestNegativeZeroIsMalformed(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	for i, v := range []string{`"-0"`, `"-0.00"`, `-0`} {
		r := m.Call("alipay.trade.precreate", `{"out_trade_no":"NEGZERO-`+string(rune('A'+i))+`","subject":"s","total_amount":`+v+`}`)
		if r["code"] != "40004" || r["sub_code"] != "ACQ.INVALID_PARAMETER" || r["sub_msg"] != "参数无效：金额格式错误，单位为元，最多两位小数" {
			t.Errorf("total_amount %s: %v %v %v; want ACQ.INVALID_PARAMETER 金额格式错误", v, r["code"], r["sub_code"], r["sub_msg"])
		}
	}
}
