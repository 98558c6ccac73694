package mock_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

type moneyBalance struct {
	Available amount.Amount `json:"available_amount"`
	Freeze    amount.Amount `json:"freeze_amount"`
}

// balanceOf is the available balance of app's account.
func acctBalance(t *testing.T, m *mocktest.Mock, app string) amount.Amount {
	t.Helper()
	var b moneyBalance
	m.ControlJSON(http.MethodGet, "/apps/"+app+"/balance", nil, http.StatusOK, &b)
	return b.Available
}

const (
	merchantAppA, merchantAppB = "2021000000000061", "2021000000000062"
	sellerA, sellerB           = "2088102146225161", "2088102146225162"
)

// twoMerchants are the options of a mock with two merchants' apps.
func twoMerchants(o mock.Options) mock.Options {
	pub := string(keys.DevFile("app_public_key.pem"))
	o.FundPublicKey = true
	o.Apps = []apps.Spec{
		{AppID: merchantAppA, PublicKey: pub, SellerID: sellerA},
		{AppID: merchantAppB, PublicKey: pub, SellerID: sellerB},
	}
	return o
}

// transferAToB pays amt from merchant A to merchant B's PID.
func transferAToB(t *testing.T, m *mocktest.Mock, out, amt string) *client.TransferResponse {
	t.Helper()
	c := m.Client(func(c *client.Config) { c.AppID = merchantAppA })
	r, err := c.Transfer(context.Background(), client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: out, TransAmount: amount.MustParse(amt), OrderTitle: "货款",
		PayeeInfo: client.Participant{Identity: sellerB, IdentityType: client.PayeeUserID}})
	if err != nil {
		t.Fatalf("transfer %s: %v", out, err)
	}
	return r
}

// A transfer to a user the mock keeps an account for — another
// merchant's PID — pays that account: the money leaves one balance and
// arrives in the other, or the mock's books lose it.
func TestTransferToAnotherMerchantReachesItsBalance(t *testing.T) {
	m := mocktest.New(t, twoMerchants(mock.Options{}))
	for _, app := range []string{merchantAppA, merchantAppB} {
		m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
	}
	if r := transferAToB(t, m, "RVMNYAB1", "10.00"); r.Status != "SUCCESS" {
		t.Fatalf("transfer %+v", r)
	}
	if got := acctBalance(t, m, merchantAppA); got != amount.MustParse("90.00") {
		t.Errorf("payer's balance %v, want 90.00", got)
	}
	if got := acctBalance(t, m, merchantAppB); got != amount.MustParse("110.00") {
		t.Errorf("payee merchant's balance %v after receiving 10.00, want 110.00", got)
	}
}

// A transfer to another merchant that goes through DEALING reaches it
// only when it succeeds; one that ends REFUND never does, and the payer
// has its money back. A reset of the payer's app forgets its transfers,
// whose money then leaves the payee too. With --data all of it outlives a
// restart.
func TestTransferToAnotherMerchantDealingRefundResetAndRestart(t *testing.T) {
	bank := scenarioFile(t, "bank.yaml", `name: bank
rules:
  - when: {method: alipay.fund.trans.uni.transfer, biz: {out_biz_no: {prefix: "LATE-"}}}
    then: {transfer: {status: DEALING, after: 5m}}
  - when: {method: alipay.fund.trans.uni.transfer, biz: {out_biz_no: {prefix: "BACK-"}}}
    then: {transfer: {status: REFUND, after: 5m}}
`)
	o := twoMerchants(mock.Options{DataDir: t.TempDir(), Scenarios: bank()})
	o.Fund.Keep = -1
	m := mocktest.New(t, o)
	for _, app := range []string{merchantAppA, merchantAppB} {
		m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
	}
	transferAToB(t, m, "NOW-1", "10.00")
	transferAToB(t, m, "LATE-1", "5.00")
	transferAToB(t, m, "BACK-1", "3.00")
	if a, b := acctBalance(t, m, merchantAppA), acctBalance(t, m, merchantAppB); a != amount.MustParse("82.00") || b != amount.MustParse("110.00") {
		t.Errorf("while two transfers are DEALING: A %v, B %v; want 82.00 and 110.00 (money arrives when a transfer succeeds)", a, b)
	}
	m.Advance("5m")
	if a, b := acctBalance(t, m, merchantAppA), acctBalance(t, m, merchantAppB); a != amount.MustParse("85.00") || b != amount.MustParse("115.00") {
		t.Errorf("after one succeeded and one was refunded: A %v, B %v; want 85.00 and 115.00", a, b)
	}
	o.Scenarios = bank()
	m = restart(t, m, o)
	if a, b := acctBalance(t, m, merchantAppA), acctBalance(t, m, merchantAppB); a != amount.MustParse("85.00") || b != amount.MustParse("115.00") {
		t.Errorf("after a restart: A %v, B %v; want 85.00 and 115.00", a, b)
	}
	m.Control(http.MethodPost, "/reset?app_id="+merchantAppA, nil, http.StatusOK)
	if b := acctBalance(t, m, merchantAppB); b != amount.MustParse("100.00") {
		t.Errorf("after the payer's reset: B %v, want 100.00 (the forgotten transfers' money leaves)", b)
	}
}

// What a transfer dropped past --keep-transfers brought another merchant
// stays in its balance, as what it took stays out of the payer's.
func TestEvictedTransferToAnotherMerchantStaysInItsBalance(t *testing.T) {
	o := twoMerchants(mock.Options{})
	o.Fund.Keep = 1
	m := mocktest.New(t, o)
	for _, app := range []string{merchantAppA, merchantAppB} {
		m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
	}
	transferAToB(t, m, "EV-1", "10.00")
	transferAToB(t, m, "EV-2", "10.00") // EV-1 goes
	if a, b := acctBalance(t, m, merchantAppA), acctBalance(t, m, merchantAppB); a != amount.MustParse("80.00") || b != amount.MustParse("120.00") {
		t.Errorf("after an evicted and a kept transfer of 10.00: A %v, B %v; want 80.00 and 120.00", a, b)
	}
}

// Alipay's 收发现金红包 guide (shared/seeds/002: 4.3): "B2C场景下,商户营销资金
// 出资时,使用该接口进行支付" — an agreement pay whose payer_user_id is the
// merchant's own account pays the red packet out of the merchant's
// balance, and a refund (4.4: "将剩余的未领取的红包资金退回红包发送方")
// puts what was not claimed back.
func TestMerchantFundedRedPacketMovesTheBalance(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	app := keys.DevCertAppID
	a, _ := m.Srv.Apps.Get(app)
	m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
	p := m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"RVMNYRP1","out_request_no":"RVMNYRP1P","order_title":"红包","amount":"10.00","payer_user_id":"`+a.Seller.UserID+`"}`)
	expect(t, p, "code", "10000", "status", "SUCCESS")
	if got := acctBalance(t, m, app); got != amount.MustParse("90.00") {
		t.Errorf("balance %v after the merchant's account paid a 10.00 red packet, want 90.00", got)
	}
	expect(t, m.Call("alipay.fund.coupon.order.disburse", `{"out_order_no":"RVMNYRP1C","out_request_no":"1","deduct_out_order_no":"RVMNYRP1","amount":"6.00","payee_user_id":"2088102000000101"}`), "code", "10000")
	expect(t, m.Call("alipay.fund.coupon.order.refund", `{"auth_no":"`+p["auth_no"].(string)+`","out_request_no":"RVMNYRP1R","amount":"3.00"}`), "code", "10000")
	if got := acctBalance(t, m, app); got != amount.MustParse("93.00") {
		t.Errorf("balance %v after 6.00 was claimed and 3.00 refunded to the merchant, want 93.00", got)
	}
	m.Advance("48h") // the rest, 1.00, goes back by itself
	if got := acctBalance(t, m, app); got != amount.MustParse("94.00") {
		t.Errorf("balance %v after the automatic refund of the unclaimed 1.00, want 94.00", got)
	}
	// A packet the balance cannot cover is refused, and nothing moves; a
	// sender other than the merchant moves nothing.
	r := m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"RVMNYRP2","out_request_no":"RVMNYRP2P","order_title":"红包","amount":"94.01","payer_user_id":"`+a.Seller.UserID+`"}`)
	expect(t, r, "code", "40004", "sub_code", "PAYER_BALANCE_NOT_ENOUGH")
	expect(t, m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"RVMNYRP3","out_request_no":"RVMNYRP3P","order_title":"红包","amount":"5.00","payer_user_id":"2088102000000102"}`), "code", "10000")
	if got := acctBalance(t, m, app); got != amount.MustParse("94.00") {
		t.Errorf("balance %v after a refused packet and one a user paid, want 94.00", got)
	}
	// The same out_order_no again is the packet made: nothing moves twice.
	expect(t, m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"RVMNYRP1","out_request_no":"RVMNYRP1P","order_title":"红包","amount":"10.00","payer_user_id":"`+a.Seller.UserID+`"}`), "code", "10000")
	if got := acctBalance(t, m, app); got != amount.MustParse("94.00") {
		t.Errorf("balance %v after a repeated pay, want 94.00", got)
	}
}

// With --data what funded red packets keep out of the balance outlives
// a restart, and so does what an evicted one kept out; a reset of the app
// forgets its packets and puts their money back.
func TestMerchantFundedRedPacketBalanceRestartEvictReset(t *testing.T) {
	o := mock.Options{DataDir: t.TempDir()}
	o.Coupons.Keep = 1
	m := mocktest.New(t, o).CertApp()
	app := keys.DevCertAppID
	a, _ := m.Srv.Apps.Get(app)
	m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
	for _, no := range []string{"RPD1", "RPD2"} { // RPD1 goes when RPD2 is made
		expect(t, m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"`+no+`","out_request_no":"`+no+`P","order_title":"红包","amount":"10.00","payer_user_id":"`+a.Seller.UserID+`"}`), "code", "10000")
	}
	// RPD1, unclaimed, went before its end: its automatic refund's money
	// comes back (as it was planned to end), RPD2's stays out.
	if got := acctBalance(t, m, app); got != amount.MustParse("90.00") {
		t.Errorf("balance %v after two 10.00 packets, one evicted, want 90.00", got)
	}
	m = restart(t, m, o).CertApp()
	if got := acctBalance(t, m, app); got != amount.MustParse("90.00") {
		t.Errorf("balance %v after a restart, want 90.00", got)
	}
	m.Control(http.MethodPost, "/reset?app_id="+app, nil, http.StatusOK)
	if got := acctBalance(t, m, app); got != fund.DefaultOpening {
		t.Errorf("balance %v after the app's reset, want the opening balance", got)
	}
}
