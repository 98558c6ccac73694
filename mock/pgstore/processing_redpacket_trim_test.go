package pgstore_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
)

// A --store trim counts an agreement pay still processing (10003, INIT)
// with the red packets a sender acted on (the `waiting` column,
// coupon.Order.Unpaid), as memory does: another site's red-packet page
// pay forms, counted apart, trim only their own kind.
func TestReplicasTrimKeepsAProcessingAgreementPayRedPacket(t *testing.T) {
	rs := replicas(t, 2, mock.Options{Coupons: coupon.Options{Keep: 2}})
	cert := rs[0].CertApp()
	r := cert.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"DEV-AG","out_request_no":"DEV-AG-pay","order_title":"红包","amount":"10003.00","payer_user_id":"2088102146225135"}`)
	if r["code"] != "10003" {
		t.Fatalf("agreement pay with the magic amount 10003.00: %v", r)
	}
	for i := range 3 {
		p := cert.Params("alipay.fund.coupon.order.page.pay", fmt.Sprintf(`{"out_order_no":"RP-%d","out_request_no":"RP-%d","order_title":"x","amount":"1.00"}`, i, i), nil)
		if r, err := http.PostForm(cert.URL+"/gateway.do", formOf(p)); err != nil || r.Body.Close() != nil {
			t.Fatalf("red packet page pay %d: %v", i, err)
		}
	}
	waitList(t, rs[1], "/red-packets", "out_order_no", "[DEV-AG RP-1 RP-2]")
}
