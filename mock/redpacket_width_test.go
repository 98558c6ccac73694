package mock_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// The SDK's red-packet models (AlipayFundCouponOrderAgreementPayModel,
// …AppPayModel, …PagePayModel, …DisburseModel; …RefundModel's remark) say
// order_title and remark are "长度不超过100个字母或50个汉字": a letter counts
// one, a Chinese character two, at most 100.
func TestRedPacketTitleAndRemarkFollowTheSDKLengths(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	pay := func(no, title string) map[string]any {
		return m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"`+no+`","out_request_no":"`+no+`-pay","order_title":"`+title+
			`","amount":"10.00","payer_user_id":"2088102000000001"}`)
	}
	for i, tc := range []struct {
		title string
		ok    bool
	}{
		{strings.Repeat("红", 50), true}, {strings.Repeat("红", 51), false},
		{strings.Repeat("a", 100), true}, {strings.Repeat("a", 101), false},
		{strings.Repeat("红", 49) + "ab", true}, {strings.Repeat("红", 49) + "abc", false},
	} {
		r := pay("LEN-"+strconv.Itoa(i), tc.title)
		if got := r["code"] == "10000"; got != tc.ok {
			t.Errorf("order_title of %d characters: %v, want accepted %v", len([]rune(tc.title)), r, tc.ok)
		} else if !tc.ok && (r["sub_code"] != "INVALID_PARAMETER" || !strings.Contains(r["sub_msg"].(string), "order_title")) {
			t.Errorf("order_title too long: %v", r)
		}
	}
	r := pay("LEN-REFUND", "红包")
	authNo, _ := r["auth_no"].(string)
	refund := func(no, remark string) map[string]any {
		return m.Call("alipay.fund.coupon.order.refund", `{"auth_no":"`+authNo+`","out_request_no":"`+no+`","amount":"1.00","remark":"`+remark+`"}`)
	}
	if r := refund("R1", strings.Repeat("红", 51)); r["code"] == "10000" || !strings.Contains(r["sub_msg"].(string), "remark") {
		t.Errorf("refund remark of 51 Chinese characters: %v", r)
	}
	if r := refund("R2", strings.Repeat("红", 50)); r["code"] != "10000" {
		t.Errorf("refund remark of 50 Chinese characters: %v", r)
	}
}
