package pgstore_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/fund"
)

// With --store a red packet the merchant's own account funds takes its
// balance on every replica, checked in its transaction (refused with
// PAYER_BALANCE_NOT_ENOUGH when the balance cannot cover it); a refund
// and the automatic refund of the rest give back; a reset of the app
// puts what its packets kept out back.
func TestReplicasMerchantFundedRedPacketMovesTheBalance(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	app := keys.DevCertAppID
	a, _ := rs[0].Srv.Apps.Get(app)
	rs[0].Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
	balance := func(want, when string) {
		t.Helper()
		for i, r := range rs {
			var b balanceBody
			r.ControlJSON(http.MethodGet, "/apps/"+app+"/balance", nil, http.StatusOK, &b)
			if b.Available != amount.MustParse(want) {
				t.Errorf("%s: replica %d: balance %v, want %s", when, i, b.Available, want)
			}
		}
	}
	p := rs[0].CertApp().Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"PGRP1","out_request_no":"PGRP1P","order_title":"红包","amount":"10.00","payer_user_id":"`+a.Seller.UserID+`"}`)
	if p["code"] != "10000" {
		t.Fatalf("pay: %v", p)
	}
	balance("90.00", "after the merchant funded a 10.00 red packet")
	if r := rs[1].CertApp().Call("alipay.fund.coupon.order.disburse", `{"out_order_no":"PGRP1C","out_request_no":"1","deduct_out_order_no":"PGRP1","amount":"6.00","payee_user_id":"2088102000000101"}`); r["code"] != "10000" {
		t.Fatalf("disburse: %v", r)
	}
	if r := rs[1].CertApp().Call("alipay.fund.coupon.order.refund", `{"auth_no":"`+p["auth_no"].(string)+`","out_request_no":"PGRP1R","amount":"3.00"}`); r["code"] != "10000" {
		t.Fatalf("refund: %v", r)
	}
	balance("93.00", "after 6.00 claimed and 3.00 refunded")
	rs[0].Advance("48h")
	waitFor(t, "the automatic refund", func() bool {
		var b balanceBody
		rs[1].ControlJSON(http.MethodGet, "/apps/"+app+"/balance", nil, http.StatusOK, &b)
		return b.Available == amount.MustParse("94.00")
	})
	balance("94.00", "after the automatic refund of the unclaimed 1.00")
	r := rs[1].CertApp().Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"PGRP2","out_request_no":"PGRP2P","order_title":"红包","amount":"94.01","payer_user_id":"`+a.Seller.UserID+`"}`)
	if r["code"] != "40004" || r["sub_code"] != "PAYER_BALANCE_NOT_ENOUGH" {
		t.Errorf("a packet over the balance: %v, want 40004 PAYER_BALANCE_NOT_ENOUGH", r)
	}
	if r := rs[1].CertApp().Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"PGRP3","out_request_no":"PGRP3P","order_title":"红包","amount":"4.00","payer_user_id":"`+a.Seller.UserID+`"}`); r["code"] != "10000" {
		t.Fatalf("pay: %v", r)
	}
	balance("90.00", "after a refused packet and a 4.00 one")
	rs[0].Control(http.MethodPost, "/reset?app_id="+app, nil, http.StatusOK)
	balance(fund.DefaultOpening.String(), "after the app's reset")
}
