package pgstore_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// merchantEverywhere checks that every replica answers want as the dev
// merchant's balance: alipay.fund.account.query through the
// certificate-mode app, and /_mock/apps/{app_id}/balance of both its apps.
func merchantEverywhere(t *testing.T, rs []*mocktest.Mock, want amount.Amount, when string) {
	t.Helper()
	a, _ := rs[0].Srv.Apps.Get(keys.DevCertAppID)
	for i, r := range rs {
		q := r.CertApp().Call("alipay.fund.account.query", `{"alipay_user_id":"`+a.Seller.UserID+`","account_type":"ACCTRANS_ACCOUNT"}`)
		for _, app := range []string{keys.DevAppID, keys.DevCertAppID} {
			var b balanceBody
			r.ControlJSON(http.MethodGet, "/apps/"+app+"/balance", nil, http.StatusOK, &b)
			if b.Available != want || q["available_amount"] != want.String() {
				t.Errorf("%s: replica %d: app %s's balance %s, the account query %v; want the merchant's one balance %s",
					when, i, app, b.Available, q["available_amount"], want)
			}
		}
	}
}

// With --store the balance is the merchant's too: a payment through the
// public-key dev app on one replica and a transfer through the
// certificate-mode app on another move one balance, which every replica
// answers for either app; a reset of the app that transferred gives its
// transfer back and keeps the other app's payment.
func TestReplicasOneMerchantsAppsShareOneBalance(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	pay(t, rs[0], "MB-PAY", "100.00")
	if r := rs[1].CertApp().Call("alipay.fund.trans.uni.transfer", transferBiz("MB-OUT", "30.00")); !ok(r) {
		t.Fatalf("transfer: %v", r)
	}
	merchantEverywhere(t, rs, fund.DefaultOpening+amount.MustParse("99.40")-amount.MustParse("30.00"), "after a payment and a transfer")
	rs[1].Control(http.MethodPost, "/apps/"+keys.DevAppID+"/balance", map[string]string{"available_amount": "500.00"}, http.StatusOK)
	merchantEverywhere(t, rs, amount.MustParse("500.00"), "after a balance set through the other app")
	rs[0].Control(http.MethodPost, "/reset?app_id="+keys.DevCertAppID, nil, http.StatusOK)
	merchantEverywhere(t, rs, fund.DefaultOpening+amount.MustParse("99.40"), "after a reset of the app that transferred")
}

// A database an earlier version wrote, with an account per app and paid
// trades and transfers that name no account, is brought to merchants'
// accounts at start without losing money: the dev merchant (500.00 set
// through the public-key app, which was paid 100.00; 30.00 transferred
// through the other) gets the opening balance plus each app's offset,
// 470.00; a merchant of one app keeps what it had (the opening balance
// plus 5.00 a trimmed trade brought in). Later refunds of the old payment
// and transfers move the merged account.
func TestUpgradeMergesPerAppAccounts(t *testing.T) {
	pub := string(keys.DevFile("app_public_key.pem"))
	const single = "2021000000000071"
	o := mock.Options{FundPublicKey: true, Apps: []apps.Spec{{AppID: single, PublicKey: pub, SellerID: "2088102146225171"}}}
	rs, url := replicasAt(t, 1, o)
	pay(t, rs[0], "UP-PAY", "100.00")
	if r := rs[0].CertApp().Call("alipay.fund.trans.uni.transfer", transferBiz("UP-OUT", "30.00")); !ok(r) {
		t.Fatalf("transfer: %v", r)
	}
	if err := rs[0].Srv.Close(); err != nil {
		t.Fatal(err)
	}
	// The earlier version's tables.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := pgtest.Conn(t, url)
	if _, err := conn.Exec(ctx, `
DROP TABLE alipay_mock_fund_merchants;
ALTER TABLE alipay_mock_paid DROP COLUMN account;
ALTER TABLE alipay_mock_transfers DROP COLUMN account;
CREATE TABLE alipay_mock_fund_accounts (
	app_id     text PRIMARY KEY,
	base       bigint,
	income     bigint NOT NULL DEFAULT 0,
	out_amount bigint NOT NULL DEFAULT 0,
	frozen     bigint NOT NULL DEFAULT 0
);
INSERT INTO alipay_mock_fund_accounts VALUES ('`+keys.DevAppID+`', 40060, 9940, 0, 0), ('`+keys.DevCertAppID+`', NULL, 0, 3000, 0),
	('`+single+`', NULL, 500, 0, 0);`); err != nil {
		t.Fatal(err)
	}
	var up []*mocktest.Mock
	for range 2 {
		o.Store = url
		up = append(up, mocktest.New(t, o))
	}
	merchantEverywhere(t, up, amount.MustParse("470.00"), "after the upgrade")
	for i, r := range up {
		var b balanceBody
		r.ControlJSON(http.MethodGet, "/apps/"+single+"/balance", nil, http.StatusOK, &b)
		if want := fund.DefaultOpening + amount.MustParse("5.00"); b.Available != want {
			t.Errorf("replica %d: the one-app merchant's balance %s, want the %s it had", i, b.Available, want)
		}
	}
	if r := up[0].Call("alipay.trade.refund", `{"out_trade_no":"UP-PAY","refund_amount":"100.00","out_request_no":"r1"}`); !ok(r) {
		t.Fatalf("refund: %v", r)
	}
	if r := up[1].CertApp().Call("alipay.fund.trans.uni.transfer", transferBiz("UP-OUT2", "10.00")); !ok(r) {
		t.Fatalf("transfer: %v", r)
	}
	merchantEverywhere(t, up, amount.MustParse("360.60"), "after a refund of the old payment and a new transfer")
	var left bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('alipay_mock_fund_accounts') IS NOT NULL`).Scan(&left); err != nil || left {
		t.Fatalf("the per-app table is still there (%v)", err)
	}
}

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
// The running replica reports it (health store_failing, a balance read
// fails rather than answer a wrong balance); the next start of this build
// counts each merchant's income again from its paid trades, taking away
// none already counted. Two payments, 100.00 and 50.00, leave the opening
// balance plus 149.10.
func TestOlderBuildBesideThisOneLosesNoIncome(t *testing.T) {
	rs, url := replicasAt(t, 1, mock.Options{})
	pay(t, rs[0], "OB-1", "100.00")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := pgtest.Conn(t, url)
	if _, err := conn.Exec(ctx, olderFundSchema); err != nil {
		t.Fatal(err)
	}
	pay(t, rs[0], "OB-2", "50.00")
	rs[0].Control(http.MethodGet, "/apps/"+keys.DevAppID+"/balance", nil, http.StatusServiceUnavailable)
	var h struct {
		Status string `json:"status"`
		Error  string `json:"store_error"`
	}
	rs[0].ControlJSON(http.MethodGet, "/health", nil, http.StatusServiceUnavailable, &h)
	if h.Status != "store_failing" || !strings.Contains(h.Error, "older alipay-mock build") {
		t.Errorf("health on the running replica: %+v", h)
	}
	want := fund.DefaultOpening + amount.MustParse("149.10")
	again := mocktest.New(t, mock.Options{Store: url})
	if got := devBalance(t, again); got != want {
		t.Errorf("after an older build's start: balance %s after this build's next start; want %s", got, want)
	}
}

// What a trimmed trade brought in (--keep-trades) stays in its merchant's
// balance when another app of the merchant is reset: a reset takes away
// only the reset app's part.
func TestResetOfOneAppKeepsASiblingsTrimmedIncome(t *testing.T) {
	rs, url := replicasAt(t, 1, mock.Options{Trades: trade.Options{Keep: 1}})
	pay(t, rs[0], "TR-1", "100.00")
	pay(t, rs[0], "TR-2", "100.00")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := pgtest.Conn(t, url)
	waitFor(t, "the trim to --keep-trades 1", func() bool {
		var n int
		return conn.QueryRow(ctx, `SELECT count(*) FROM alipay_mock_trades`).Scan(&n) == nil && n == 1
	})
	want := fund.DefaultOpening + 2*amount.MustParse("99.40")
	if got := devBalance(t, rs[0]); got != want {
		t.Fatalf("after two payments, one trimmed: balance %s, want %s", got, want)
	}
	// The certificate-mode app never paid nor transferred.
	rs[0].Control(http.MethodPost, "/reset?app_id="+keys.DevCertAppID, nil, http.StatusOK)
	if got := devBalance(t, rs[0]); got != want {
		t.Errorf("after a reset of the sibling that moved nothing: balance %s, want %s", got, want)
	}
	// A reset of the paid app takes its trimmed trade's income away too.
	rs[0].Control(http.MethodPost, "/reset?app_id="+keys.DevAppID, nil, http.StatusOK)
	if got := devBalance(t, rs[0]); got != fund.DefaultOpening {
		t.Errorf("after a reset of the paid app: balance %s, want the opening %s", got, fund.DefaultOpening)
	}
}

// An app cannot change merchant (seller_id): POST /_mock/apps with another
// seller_id is refused with 400 on every replica, also one that has not
// heard of the app yet (the store's record decides), and a reset of the
// app gives its transfers' money back to its merchant's account.
func TestReplicasAppCannotChangeMerchant(t *testing.T) {
	pub := string(keys.DevFile("app_public_key.pem"))
	const app, sibling = "2021000000000093", "2021000000000094"
	const s1, s2 = "2088102146225193", "2088102146225194"
	rs := replicas(t, 2, mock.Options{FundPublicKey: true})
	for _, a := range []string{app, sibling} {
		rs[0].Control(http.MethodPost, "/apps", map[string]string{"app_id": a, "public_key": pub, "seller_id": s1}, http.StatusCreated)
	}
	c := rs[0].Client(func(c *client.Config) { c.AppID = app })
	if _, err := c.Transfer(context.Background(), client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: "RR-1", TransAmount: amount.MustParse("10.00"),
		PayeeInfo: client.Participant{Identity: "2088000000000777", IdentityType: client.PayeeUserID}}); err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		b := r.Control(http.MethodPost, "/apps", map[string]string{"app_id": app, "public_key": pub, "seller_id": s2}, http.StatusBadRequest)
		if !strings.Contains(string(b), "seller_id") {
			t.Errorf("replica %d: the refusal names no field: %s", i, b)
		}
	}
	rs[1].Control(http.MethodPost, "/reset?app_id="+app, nil, http.StatusOK)
	for _, a := range []string{app, sibling} {
		var b balanceBody
		rs[0].ControlJSON(http.MethodGet, "/apps/"+a+"/balance", nil, http.StatusOK, &b)
		if b.Available != fund.DefaultOpening {
			t.Errorf("after a reset of app %s: app %s's balance %s, want the opening %s", app, a, b.Available, fund.DefaultOpening)
		}
	}
}

// A replica that has not heard of an app another one registered pays its
// trades into the app's merchant's account, not one named by the app id:
// the app's record is written to the database without an announcement,
// so replica b never hears of it, and b pays a trade a made.
func TestReplicaNotHearingOfAnAppPaysItsMerchant(t *testing.T) {
	const app, seller = "2021000000000095", "2088102146225195"
	rs, url := replicasAt(t, 2, mock.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := pgtest.Conn(t, url)
	rec, err := json.Marshal(apps.Record{Spec: apps.Spec{AppID: app, PublicKey: string(keys.DevFile("app_public_key.pem")), SignType: "RSA2"},
		Seller: fixtures.Seller{UserID: seller, Email: "m@example.com", Name: "M"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO alipay_mock_kv (kind, k, data) VALUES ('apps', $1, $2)`, app, rec); err != nil {
		t.Fatal(err)
	}
	if r, err := try(rs[0], "alipay.trade.precreate", `{"out_trade_no":"NH-1","total_amount":"100.00","subject":"s"}`,
		func(p map[string]string) { p["app_id"] = app }); err != nil || !ok(r) {
		t.Fatalf("precreate: %v %v", r, err)
	}
	rs[1].Control(http.MethodPost, "/trades/NH-1/pay?app_id="+app, nil, http.StatusOK)
	var account string
	if err := conn.QueryRow(ctx, `SELECT account FROM alipay_mock_paid WHERE app_id = $1`, app).Scan(&account); err != nil {
		t.Fatal(err)
	}
	if account != seller {
		t.Errorf("the payment went to account %s, want its merchant's %s", account, seller)
	}
}
