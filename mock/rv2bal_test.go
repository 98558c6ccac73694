package mock_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// A reset of one app of a merchant puts the account's base back to the
// opening balance and keeps what its sibling apps' transfers took
// (CHANGELOG, docs/transfers.md). With --keep-transfers a sibling's
// evicted transfer is counted in the account's Evicted, which the reset
// wipes with the base: the money the sibling paid out comes back, so the
// balance after the reset depends on --keep-transfers.
func TestRv2balResetOfOneAppGivesBackASiblingsEvictedTransfers(t *testing.T) {
	for _, keep := range []int{0, 1} {
		m := mocktest.New(t, mock.Options{Fund: fund.Options{Keep: keep}})
		ctx := context.Background()
		transferTo(ctx, t, m.CertApp().Client(nil), "RB-1", "10.00")
		transferTo(ctx, t, m.CertApp().Client(nil), "RB-2", "20.00")
		want := fund.DefaultOpening - amount.MustParse("30.00")
		merchantBalance(t, m, want, "after the cert app's two transfers")
		// The public-key app never paid nor transferred: its reset moves
		// no money of its own.
		m.Control(http.MethodPost, "/reset?app_id="+keys.DevAppID, nil, http.StatusOK)
		a, _ := m.Srv.Fund.Balance(keys.DevCertAppID)
		if a.Available != want {
			t.Errorf("--keep-transfers %d: after a reset of the app that moved nothing, the merchant's balance is %s, want %s (the sibling's transfers still took their money)",
				keep, a.Available, want)
		}
	}
}

// An app re-registered with another seller_id (POST /_mock/apps) moves to
// that merchant's account. In one process a transfer it made stays in the
// old account (Transfer.acct) while a restart with --data puts it in the
// new one (acct is not stored; Book.add recomputes it): the app's balance
// changes across the restart.
func TestRv2balReregisteredAppsBalanceSurvivesARestart(t *testing.T) {
	pub := string(keys.DevFile("app_public_key.pem"))
	const app = "2021000000000091"
	o := mock.Options{DataDir: t.TempDir(), FundPublicKey: true}
	m := mocktest.New(t, o)
	m.Control(http.MethodPost, "/apps", map[string]string{"app_id": app, "public_key": pub, "seller_id": "2088102146225191"}, http.StatusCreated)
	c := m.Client(func(c *client.Config) { c.AppID = app })
	transferTo(context.Background(), t, c, "RR-1", "10.00")
	m.Control(http.MethodPost, "/apps", map[string]string{"app_id": app, "public_key": pub, "seller_id": "2088102146225192"}, http.StatusCreated)
	before := balanceOf(m, app)
	m = restart(t, m, o)
	if after := balanceOf(m, app); after != before {
		t.Errorf("app re-registered with another seller: balance %s before a restart, %s after", before, after)
	}
}

// The same with --keep-trades: a sibling's evicted payment is credited to
// the account's base (Book.Credit), which a reset of another app of the
// merchant puts back to the opening balance: the sibling's income is lost,
// while its kept payments stay counted.
func TestRv2balResetOfOneAppLosesASiblingsEvictedPayments(t *testing.T) {
	for _, keep := range []int{0, 1} {
		m := mocktest.New(t, mock.Options{Trades: trade.Options{Keep: keep}})
		ctx := context.Background()
		for _, out := range []string{"RP-1", "RP-2"} {
			if _, err := m.Client(nil).Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse("100.00"), Subject: "s"},
				Scene: "bar_code", AuthCode: "283912345678901234"}); err != nil {
				t.Fatal(err)
			}
		}
		want := fund.DefaultOpening + 2*amount.MustParse("99.40")
		merchantBalance(t, m, want, "after two payments")
		// The certificate-mode app never paid nor transferred.
		m.Control(http.MethodPost, "/reset?app_id="+keys.DevCertAppID, nil, http.StatusOK)
		if got := balanceOf(m, keys.DevAppID); got != want {
			t.Errorf("--keep-trades %d: after a reset of the sibling that moved nothing, the merchant's balance is %s, want %s (the paid app's payments)",
				keep, got, want)
		}
	}
}
