package mock_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// amount.Parse counts leading zeros as "digits of yuan": "000000000001.00"
// (12 digits) is 1 yuan and taken, but "0000000000001.00" (13 digits), the
// same 1 yuan, is ErrRange and becomes the sentinel 1000000000000.00, so
// the order is refused ACQ.TOTAL_FEE_EXCEED 订单总金额超过限额 — an amount
// over the limit that is 1 yuan. A well-formed number is either read as
// its value or refused as malformed, never as one it is not.
func TestRv2mixLeadingZerosAreNotOverTheLimit(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	twelve := m.Call("alipay.trade.precreate", `{"out_trade_no":"RV2MIX-Z12","subject":"s","total_amount":"000000000001.00"}`)
	thirteen := m.Call("alipay.trade.precreate", `{"out_trade_no":"RV2MIX-Z13","subject":"s","total_amount":"0000000000001.00"}`)
	t.Logf("12 digits: %v %v; 13 digits: %v %v %v", twelve["code"], twelve["sub_code"], thirteen["code"], thirteen["sub_code"], thirteen["sub_msg"])
	if thirteen["sub_code"] == "ACQ.TOTAL_FEE_EXCEED" {
		t.Errorf("total_amount 0000000000001.00 (1 yuan) refused as over the limit: %v %v", thirteen["sub_code"], thirteen["sub_msg"])
	}
}
