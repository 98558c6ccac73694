package pgstore_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// With --store, a payee the database could not look up (the buyer who
// paid with a logon id, maybe on another replica) is the store's failure:
// a transfer to that logon answers 20000 and moves nothing, a red-packet
// claim to it answers 20000 and the packet keeps its money. Both paid a
// made-up user instead.
func TestPayeeLookupStoreFailedIs20000(t *testing.T) {
	rs, dbURL := replicasAt(t, 1, mock.Options{FundPublicKey: true})
	m := rs[0]
	m.Control(http.MethodPost, "/apps/"+keys.DevAppID+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
	r := m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"PSF-RP","out_request_no":"PSF-RP-pay","order_title":"红包","amount":"10.00","payer_user_id":"2088102000000001"}`)
	if !ok(r) {
		t.Fatalf("agreement pay: %v", r)
	}
	authNo, _ := r["auth_no"].(string)
	before := balanceOn(t, m)

	// Only the payee lookup fails: the paid buyers' logon column is away.
	conn := pgtest.Conn(t, dbURL)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `ALTER TABLE alipay_mock_paid RENAME COLUMN buyer_account TO buyer_account_away`); err != nil {
		t.Fatal(err)
	}
	restore := func() {
		_, _ = conn.Exec(context.Background(), `ALTER TABLE alipay_mock_paid RENAME COLUMN buyer_account_away TO buyer_account`)
	}
	t.Cleanup(restore)
	const logon = "13800138000"
	x, err := try(m, "alipay.fund.trans.uni.transfer", `{"out_biz_no":"PSF-T","trans_amount":"1.00","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER","transfer_scene_name":"佣金报酬","payee_info":{"identity":"`+logon+`","identity_type":"ALIPAY_LOGON_ID","name":"x"}}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if x["code"] != "20000" {
		t.Errorf("a transfer to a logon id the database could not look up: %v, want 20000", x)
	}
	c, err := try(m, "alipay.fund.coupon.order.disburse", `{"out_order_no":"PSF-C","out_request_no":"1","deduct_auth_no":"`+authNo+`","amount":"10.00","payee_logon_id":"`+logon+`"}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c["code"] != "20000" {
		t.Errorf("a red-packet claim to a logon id the database could not look up: %v, want 20000", c)
	}
	restore()

	if after := balanceOn(t, m); after != before {
		t.Errorf("balance %+v after the failed transfer, want %+v: nothing moved", after, before)
	}
	q := m.Call("alipay.fund.trans.common.query", `{"out_biz_no":"PSF-T","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER"}`)
	if ok(q) {
		t.Errorf("the failed transfer was made: %v", q)
	}
	// All 10.00 is still in the packet.
	if r := m.Call("alipay.fund.coupon.order.disburse", `{"out_order_no":"PSF-C2","out_request_no":"1","deduct_auth_no":"`+authNo+`","amount":"10.00","payee_user_id":"2088102000000101"}`); !ok(r) {
		t.Errorf("claiming the packet's 10.00 after the failed claim: %v", r)
	}
}
