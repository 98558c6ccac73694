package mock_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// An agreement pay the merchant made itself that answered 10003 (the
// magic amount 10003.00: processing) is INIT until it completes, yet its
// sender has paid (docs/red-packets.md: "paid at once from
// payer_user_id"): it is not a red packet no sender acted on
// (coupon.Order.Unpaid), so another site's red-packet page pay forms,
// counted apart, cannot evict it (docs/limits.md, docs/security.md).
func TestProcessingAgreementPayRedPacketSurvivesCrossSitePagePayForms(t *testing.T) {
	m := mocktest.New(t, mock.Options{Coupons: coupon.Options{Keep: 3}}).CertApp()
	r := m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"DEV-AG","out_request_no":"DEV-AG-pay","order_title":"红包","amount":"10003.00","payer_user_id":"2088102146225135"}`)
	if r["code"] != "10003" {
		t.Fatalf("agreement pay with the magic amount 10003.00: %v", r)
	}
	cross := map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example", "User-Agent": "Mozilla/5.0"}
	for i := range 3 {
		p := m.Params("alipay.fund.coupon.order.page.pay", fmt.Sprintf(`{"out_order_no":"EVIL-RP-%d","out_request_no":"EVIL-RP-%d","order_title":"x","amount":"1.00"}`, i, i), nil)
		if status, loc, body := sendGateway(t, m, http.MethodPost, p, cross); status != http.StatusFound {
			t.Fatalf("red packet page pay %d from another site: HTTP %d %q %s", i, status, loc, body)
		}
	}
	// The merchant's own red packet, paid by its sender and still
	// processing, must still be there.
	m.Control(http.MethodGet, "/red-packets/DEV-AG", nil, http.StatusOK)
	q := m.Call("alipay.fund.coupon.operation.query", `{"out_order_no":"DEV-AG","out_request_no":"DEV-AG-pay"}`)
	if q["code"] != "10000" {
		t.Fatalf("the merchant's processing agreement-pay red packet was evicted by another site's page pay forms: %v", q)
	}
}

// With --data, a start's trim past --keep-red-packets counts the
// processing agreement pay as memory does: the page pay forms go.
func TestProcessingAgreementPayRedPacketSurvivesCrossSitePagePayFormsAtStart(t *testing.T) {
	o := mock.Options{DataDir: t.TempDir(), Coupons: coupon.Options{Keep: 10}}
	m := mocktest.New(t, o).CertApp()
	if r := m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"DEV-AG","out_request_no":"DEV-AG-pay","order_title":"红包","amount":"10003.00","payer_user_id":"2088102146225135"}`); r["code"] != "10003" {
		t.Fatalf("agreement pay with the magic amount 10003.00: %v", r)
	}
	cross := map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example", "User-Agent": "Mozilla/5.0"}
	for i := range 3 {
		p := m.Params("alipay.fund.coupon.order.page.pay", fmt.Sprintf(`{"out_order_no":"EVIL-RP-%d","out_request_no":"EVIL-RP-%d","order_title":"x","amount":"1.00"}`, i, i), nil)
		if status, loc, body := sendGateway(t, m, http.MethodPost, p, cross); status != http.StatusFound {
			t.Fatalf("red packet page pay %d from another site: HTTP %d %q %s", i, status, loc, body)
		}
	}
	o.Coupons.Keep = 1
	m = restart(t, m, o).CertApp()
	m.Control(http.MethodGet, "/red-packets/DEV-AG", nil, http.StatusOK)
	m.Control(http.MethodGet, "/red-packets/EVIL-RP-0", nil, http.StatusNotFound)
	m.Control(http.MethodGet, "/red-packets/EVIL-RP-2", nil, http.StatusOK)
}
