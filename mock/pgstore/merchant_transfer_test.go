package pgstore_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// With --store a transfer to another merchant's PID reaches that
// merchant's balance on every replica when it succeeds (a DEALING one
// when it ends SUCCESS, one that ends REFUND never); a reset of the
// payer's app takes it back out.
func TestReplicasTransferToAnotherMerchantReachesItsBalance(t *testing.T) {
	const appA, appB = "2021000000000061", "2021000000000062"
	const sellerB = "2088102146225162"
	pub := string(keys.DevFile("app_public_key.pem"))
	rs := replicas(t, 2, mock.Options{FundPublicKey: true, Apps: []apps.Spec{
		{AppID: appA, PublicKey: pub, SellerID: "2088102146225161"},
		{AppID: appB, PublicKey: pub, SellerID: sellerB},
	}})
	rs[0].Control(http.MethodPost, "/apps/"+appA+"/balance", map[string]string{"available_amount": "100000.00"}, http.StatusOK)
	rs[0].Control(http.MethodPost, "/apps/"+appB+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
	to := func(m *mocktest.Mock, out, amt string) {
		t.Helper()
		c := m.Client(func(c *client.Config) { c.AppID = appA })
		if _, err := c.Transfer(context.Background(), client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: out, TransAmount: amount.MustParse(amt),
			OrderTitle: "货款", PayeeInfo: client.Participant{Identity: sellerB, IdentityType: client.PayeeUserID}}); err != nil {
			t.Fatalf("transfer %s: %v", out, err)
		}
	}
	both := func(a, b, when string) {
		t.Helper()
		for i, r := range rs {
			var ba, bb balanceBody
			r.ControlJSON(http.MethodGet, "/apps/"+appA+"/balance", nil, http.StatusOK, &ba)
			r.ControlJSON(http.MethodGet, "/apps/"+appB+"/balance", nil, http.StatusOK, &bb)
			if ba.Available != amount.MustParse(a) || bb.Available != amount.MustParse(b) {
				t.Errorf("%s: replica %d: A %v, B %v; want %s and %s", when, i, ba.Available, bb.Available, a, b)
			}
		}
	}
	to(rs[0], "PG-NOW", "10.00")
	to(rs[1], "PG-LATE", "30001.00") // DEALING, then SUCCESS
	to(rs[0], "PG-BACK", "30003.00") // DEALING, then REFUND
	both("39986.00", "110.00", "while two are DEALING")
	rs[0].Advance("5m")
	waitFor(t, "the DEALING transfer to succeed", func() bool {
		var bb balanceBody
		rs[1].ControlJSON(http.MethodGet, "/apps/"+appB+"/balance", nil, http.StatusOK, &bb)
		return bb.Available == amount.MustParse("30111.00")
	})
	both("69989.00", "30111.00", "after one succeeded and one was refunded")
	rs[1].Control(http.MethodPost, "/reset?app_id="+appA, nil, http.StatusOK)
	both("1000000.00", "100.00", "after the payer's reset")
}
