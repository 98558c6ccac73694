package pgstore_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/fund"
)

// An app re-registered with another seller_id (POST /_mock/apps) moves to
// that merchant's account. Its transfers took their money from the old
// account (the transfers' account column), but a reset of the app gives
// it back to the app's account now (fundBackend.Reset): the old
// merchant's balance keeps the money taken by transfers no longer stored,
// and the new one's (once it has a row) rises above what it was. In
// memory (Book.reset) each transfer gives back to the account it was
// made in.
func TestRv2balResetOfAReregisteredAppGivesBackToTheRightAccount(t *testing.T) {
	pub := string(keys.DevFile("app_public_key.pem"))
	const app, sibling = "2021000000000093", "2021000000000094"
	const s1, s2 = "2088102146225193", "2088102146225194"
	rs := replicas(t, 1, mock.Options{FundPublicKey: true})
	for _, a := range [][2]string{{app, s1}, {sibling, s1}} {
		rs[0].Control(http.MethodPost, "/apps", map[string]string{"app_id": a[0], "public_key": pub, "seller_id": a[1]}, http.StatusCreated)
	}
	c := rs[0].Client(func(c *client.Config) { c.AppID = app })
	if _, err := c.Transfer(context.Background(), client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: "RR-1", TransAmount: amount.MustParse("10.00"),
		PayeeInfo: client.Participant{Identity: "2088000000000777", IdentityType: client.PayeeUserID}}); err != nil {
		t.Fatal(err)
	}
	rs[0].Control(http.MethodPost, "/apps", map[string]string{"app_id": app, "public_key": pub, "seller_id": s2}, http.StatusCreated)
	rs[0].Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
	rs[0].Control(http.MethodPost, "/reset?app_id="+app, nil, http.StatusOK)
	for _, a := range []string{app, sibling} {
		var b balanceBody
		rs[0].ControlJSON(http.MethodGet, "/apps/"+a+"/balance", nil, http.StatusOK, &b)
		if b.Available != fund.DefaultOpening {
			t.Errorf("after a reset of the re-registered app %s: app %s's balance %s, want the opening %s", app, a, b.Available, fund.DefaultOpening)
		}
	}
}
