package pgstore_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
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
