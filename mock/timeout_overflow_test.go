package mock_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// pay_timeout is "1m～7d" and timeout_express "1m～15d", whole units. A
// count of days so large that multiplying it overflows a duration must be
// INVALID_PARAMETER, as any out-of-range timeout is, not wrap to a
// negative timeout that passes the range check (a red packet created
// already expired); a sign is no count either.
func TestOverflowingTimeoutIsInvalidNotAlreadyExpired(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	r := m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"OVF-TO","out_request_no":"1","order_title":"红包","amount":"1.00","payer_user_id":"2088102000000001","pay_timeout":"106752d"}`)
	expect(t, r, "code", "40004", "sub_code", "INVALID_PARAMETER")
	r = m.Call("alipay.trade.precreate", `{"out_trade_no":"OVF-TO-T","total_amount":"1.00","subject":"s","timeout_express":"106752d"}`)
	expect(t, r, "code", "40004", "sub_code", "ACQ.INVALID_PARAMETER")
	// "该参数数值不接受小数点" (AlipayFundCouponOrderDisburseModel.payTimeout).
	r = m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"OVF-TO2","out_request_no":"1","order_title":"红包","amount":"1.00","payer_user_id":"2088102000000001","pay_timeout":"+5m"}`)
	expect(t, r, "code", "40004", "sub_code", "INVALID_PARAMETER")
}

// A bad qr_code_timeout_express is refused naming qr_code_timeout_express,
// not timeout_express (a field the request may not even carry): the
// ACQ.INVALID_PARAMETER details name the field production would refuse
// (docs/differences.md, Inferred texts).
func TestBadQRCodeTimeoutExpressNamesItsField(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	for i, v := range []string{"1.5h", "16d", "0m", "5x"} {
		r := m.Call("alipay.trade.precreate", fmt.Sprintf(`{"out_trade_no":"QRX-%d","total_amount":"1.00","subject":"s","qr_code_timeout_express":%q}`, i, v))
		msg := fmt.Sprint(r["sub_msg"])
		if r["sub_code"] != "ACQ.INVALID_PARAMETER" || !strings.Contains(msg, "qr_code_timeout_express") {
			t.Errorf("qr_code_timeout_express %q: %v %v %q; want ACQ.INVALID_PARAMETER naming qr_code_timeout_express", v, r["code"], r["sub_code"], msg)
		}
	}
}
