package pgstore_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// olderFundSchema is what the build before merchants' accounts runs at
// its start (fc12b1c's fundSchema, its account parts): the per-app table
// and its trigger function, which counts a paid trade's income there.
const olderFundSchema = `
CREATE TABLE IF NOT EXISTS alipay_mock_fund_accounts (
	app_id     text PRIMARY KEY,
	base       bigint,
	income     bigint NOT NULL DEFAULT 0,
	out_amount bigint NOT NULL DEFAULT 0,
	frozen     bigint NOT NULL DEFAULT 0
);
CREATE OR REPLACE FUNCTION alipay_mock_paid_income() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE d bigint;
BEGIN
	IF TG_OP = 'DELETE' THEN
		IF coalesce(current_setting('alipay_mock.keep_income', true), '') <> 'on' THEN
			UPDATE alipay_mock_fund_accounts SET income = income - OLD.income WHERE app_id = OLD.app_id;
		END IF;
		RETURN OLD;
	END IF;
	d := NEW.income;
	IF TG_OP = 'UPDATE' THEN
		d := d - OLD.income;
	END IF;
	IF d <> 0 THEN
		INSERT INTO alipay_mock_fund_accounts (app_id, income) VALUES (NEW.app_id, d)
		ON CONFLICT (app_id) DO UPDATE SET income = alipay_mock_fund_accounts.income + EXCLUDED.income;
	END IF;
	RETURN NEW;
END $$;`

func devBalance(t *testing.T, m *mocktest.Mock) amount.Amount {
	t.Helper()
	var b balanceBody
	m.ControlJSON(http.MethodGet, "/apps/"+keys.DevAppID+"/balance", nil, http.StatusOK, &b)
	return b.Available
}

// An older build started beside this one (a rolling deploy, or a
// rollback, after this build dropped alipay_mock_fund_accounts) makes the
// per-app table again and puts its trigger function back: every later
// payment's income goes to the old table, which this build does not read.
// The next start of this build merges that table as an earlier version's
// (UpgradeAccounts): it takes each app's income less ALL its paid trades'
// income (x.income - x.paid), though the payments made before the old
// build started are already counted in the merchant's row, so the merge
// takes them away. Nothing reports the older build (unlike its trade
// triggers, TestOlderBuildStartedBesideThisOne). Two payments, 100.00 and
// 50.00, must leave the opening balance plus 149.10.
func TestRv2balOlderBuildStartedBesideThisOneLosesNoIncome(t *testing.T) {
	rs, url := replicasAt(t, 1, mock.Options{})
	pay(t, rs[0], "OB-1", "100.00")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := pgtest.Conn(t, url)
	if _, err := conn.Exec(ctx, olderFundSchema); err != nil {
		t.Fatal(err)
	}
	pay(t, rs[0], "OB-2", "50.00")
	want := fund.DefaultOpening + amount.MustParse("149.10")
	running := devBalance(t, rs[0])
	again := mocktest.New(t, mock.Options{Store: url})
	if got := devBalance(t, again); got != want || running != want {
		t.Errorf("after an older build's start: balance %s on the running replica, %s after this build's next start; want %s", running, got, want)
	}
}

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
