package mock_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/store"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// balanceOf is GET /_mock/apps/{app}/balance's available_amount.
func balanceOf(m *mocktest.Mock, app string) amount.Amount {
	m.T.Helper()
	var b struct {
		Available amount.Amount `json:"available_amount"`
	}
	m.ControlJSON(http.MethodGet, "/apps/"+app+"/balance", nil, http.StatusOK, &b)
	return b.Available
}

// merchantBalance checks that every surface answers want for the shipped
// dev merchant: alipay.fund.account.query (through the certificate-mode
// app) and /_mock/apps/{app_id}/balance of both its apps.
func merchantBalance(t *testing.T, m *mocktest.Mock, want amount.Amount, when string) {
	t.Helper()
	a, _ := m.Srv.Apps.Get(keys.DevCertAppID)
	q, err := m.CertApp().Client(nil).AccountQuery(context.Background(), client.AccountQueryRequest{AlipayUserID: a.Seller.UserID})
	if err != nil {
		t.Fatalf("%s: account query: %v", when, err)
	}
	one, two := balanceOf(m, keys.DevAppID), balanceOf(m, keys.DevCertAppID)
	if q.AvailableAmount != want || one != want || two != want {
		t.Errorf("%s: alipay.fund.account.query %s, app %s's balance %s, app %s's %s; want the merchant's one balance %s",
			when, q.AvailableAmount, keys.DevAppID, one, keys.DevCertAppID, two, want)
	}
}

// The balance account is the merchant's, as production's Alipay account
// is (alipay.fund.account.query asks by the PID): the shipped dev apps
// are two apps of one merchant, and a payment through the public-key app
// and a transfer through the certificate-mode app move one balance, which
// the account query and /_mock/apps/{app_id}/balance of either app
// answer, a balance set through one app is the other's, and the account
// bill (账务明细) of either holds both and ends at it. The same in memory
// and with --data, across a restart. A reset of one app forgets its own
// payments and transfers and puts the set balance back to the opening
// one; the other app's payments stay counted.
func TestOneMerchantsAppsShareOneBalance(t *testing.T) {
	for _, data := range []bool{false, true} {
		name := "memory"
		if data {
			name = "data"
		}
		t.Run(name, func(t *testing.T) {
			o := mock.Options{}
			if data {
				o.DataDir = t.TempDir()
			}
			m := mocktest.New(t, o)
			ctx := context.Background()
			if _, err := m.Client(nil).Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "MB-PAY", TotalAmount: amount.MustParse("100.00"), Subject: "s"},
				Scene: "bar_code", AuthCode: "283912345678901234"}); err != nil {
				t.Fatal(err)
			}
			transferTo(ctx, t, m.CertApp().Client(nil), "MB-OUT", "30.00")
			moved := fund.DefaultOpening + amount.MustParse("99.40") - amount.MustParse("30.00") // 100.00 less the 0.6% fee, less 30.00
			merchantBalance(t, m, moved, "after a payment through one app and a transfer through the other")
			if data {
				m = restart(t, m, o)
				merchantBalance(t, m, moved, "after a restart")
			}
			m.Advance("24h")
			for app, c := range map[string]*client.Client{keys.DevAppID: m.Client(nil), keys.DevCertAppID: m.CertApp().Client(nil)} {
				ledger := billDetail(t, c, client.BillSignCustomer, "2026-11-23")
				if !strings.Contains(ledger, "MB-PAY\t") || !strings.Contains(ledger, "MB-OUT\t") || !strings.Contains(ledger, ","+moved.String()+",") {
					t.Errorf("app %s's account bill: want the payment and the transfer, ending at the merchant's balance %s:\n%s", app, moved, ledger)
				}
			}
			m.ControlJSON(http.MethodPost, "/apps/"+keys.DevAppID+"/balance", map[string]string{"available_amount": "500.00"}, http.StatusOK, nil)
			merchantBalance(t, m, amount.MustParse("500.00"), "after a balance set through one app")
			transferTo(ctx, t, m.CertApp().Client(nil), "MB-OUT2", "20.00")
			merchantBalance(t, m, amount.MustParse("480.00"), "after a transfer from the balance set")
			if data {
				m = restart(t, m, o)
				merchantBalance(t, m, amount.MustParse("480.00"), "after a second restart")
			}
			m.Control(http.MethodPost, "/reset?app_id="+keys.DevCertAppID, nil, http.StatusOK)
			merchantBalance(t, m, fund.DefaultOpening+amount.MustParse("99.40"), "after a reset of the app that transferred")
			m.Control(http.MethodPost, "/reset?app_id="+keys.DevAppID, nil, http.StatusOK)
			merchantBalance(t, m, fund.DefaultOpening, "after a reset of the app that was paid")
		})
	}
}

// Apps of different merchants keep different balances, and an ISV acting
// for a merchant (app_auth_token) moves that merchant's.
func TestMerchantsKeepTheirOwnBalances(t *testing.T) {
	pub := string(keys.DevFile("app_public_key.pem"))
	const other = "2021000000000061"
	m := mocktest.New(t, mock.Options{FundPublicKey: true, Apps: []apps.Spec{{AppID: other, PublicKey: pub, SellerID: "2088102146225161"}}})
	transferTo(context.Background(), t, m.CertApp().Client(nil), "MK-1", "10.00")
	if got := balanceOf(m, other); got != fund.DefaultOpening {
		t.Errorf("another merchant's app: balance %s after the dev merchant's transfer, want the opening %s", got, fund.DefaultOpening)
	}
	var code struct {
		Code string `json:"app_auth_code"`
	}
	m.ControlJSON(http.MethodPost, "/app-auth-codes", map[string]string{"app_id": keys.DevCertAppID, "merchant_app_id": other}, http.StatusCreated, &code)
	isv := m.CertApp().Client(nil)
	ctx := context.Background()
	tok, err := isv.ExchangeAppAuthCode(ctx, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := isv.Transfer(ctx, client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: "MK-2", TransAmount: amount.MustParse("5.00"),
		PayeeInfo: client.Participant{Identity: "someone@example.com", IdentityType: client.PayeeLogonID, Name: "王五"}},
		client.WithAppAuthToken(tok.AppAuthToken)); err != nil {
		t.Fatal(err)
	}
	if got, want := balanceOf(m, other), fund.DefaultOpening-amount.MustParse("5.00"); got != want {
		t.Errorf("the authorising merchant's balance %s, want %s", got, want)
	}
	if got, want := balanceOf(m, keys.DevAppID), fund.DefaultOpening-amount.MustParse("10.00"); got != want {
		t.Errorf("the ISV's own merchant's balance %s, want %s", got, want)
	}
}

// A data file an earlier version wrote keeps each app's account: the
// start merges them into the merchants' without losing money. The dev
// merchant had two (500.00 set through the public-key app, which was paid
// 100.00; 30.00 transferred through the other): it gets the opening
// balance plus each app's offset, 500.00 - 30.00. A merchant of one app
// keeps exactly what it had. The file then holds the merged accounts, and
// a second start does not merge them again.
func TestDataFileWithPerAppAccountsUpgrades(t *testing.T) {
	pub := string(keys.DevFile("app_public_key.pem"))
	const single = "2021000000000071"
	o := mock.Options{DataDir: t.TempDir(), FundPublicKey: true, Apps: []apps.Spec{{AppID: single, PublicKey: pub, SellerID: "2088102146225171"}}}
	m := mocktest.New(t, o)
	ctx := context.Background()
	if _, err := m.Client(nil).Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "UP-PAY", TotalAmount: amount.MustParse("100.00"), Subject: "s"},
		Scene: "bar_code", AuthCode: "283912345678901234"}); err != nil {
		t.Fatal(err)
	}
	transferTo(ctx, t, m.CertApp().Client(nil), "UP-OUT", "30.00")
	if err := m.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	// What the earlier version's file held: an account per app.
	db, err := store.Open(o.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteAccount(""); err != nil {
		t.Fatal(err)
	}
	for app, s := range map[string]fund.Snapshot{
		keys.DevAppID:     {Base: amount.MustParse("500.00") - amount.MustParse("99.40")}, // set to 500.00 after its payment
		keys.DevCertAppID: {Base: fund.DefaultOpening},
		single:            {Base: amount.MustParse("800.00"), Evicted: amount.MustParse("22.23")},
	} {
		if err := db.PutAppAccount(app, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, when := range []string{"after the upgrade", "after a second start"} {
		m = mocktest.New(t, o)
		merchantBalance(t, m, amount.MustParse("470.00"), when)
		if got := balanceOf(m, single); got != amount.MustParse("777.77") {
			t.Errorf("%s: the one-app merchant's balance %s, want the 777.77 it had", when, got)
		}
		if err := m.Srv.Close(); err != nil {
			t.Fatal(err)
		}
	}
	db, err = store.Open(o.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, perApp, _, err := db.Transfers(); err != nil || len(perApp) != 0 {
		t.Fatalf("the data file still holds per-app accounts %v (%v)", perApp, err)
	}
}

// A reset of one app of a merchant puts the account's base back to the
// opening balance and keeps what its sibling apps' transfers took, kept or
// evicted (--keep-transfers): the balance after it does not depend on
// --keep-transfers.
func TestResetOfOneAppKeepsASiblingsEvictedTransfers(t *testing.T) {
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

// The same with --keep-trades: what a sibling's evicted payment brought
// in stays after a reset of another app of the merchant, as its kept
// payments' income does.
func TestResetOfOneAppKeepsASiblingsEvictedPayments(t *testing.T) {
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

// An app cannot change merchant (seller_id), as in production: POST
// /_mock/apps with another seller_id for a registered app is refused with
// 400 (the same seller_id is a change of its other fields), in memory and
// with --data, and its balance stays in its merchant's account across a
// restart. An app given at start with another seller_id than the stored
// one keeps the stored merchant.
func TestAppCannotChangeMerchant(t *testing.T) {
	pub := string(keys.DevFile("app_public_key.pem"))
	const app, s1, s2 = "2021000000000091", "2088102146225191", "2088102146225192"
	for _, dir := range []string{"", t.TempDir()} {
		o := mock.Options{DataDir: dir, FundPublicKey: true}
		m := mocktest.New(t, o)
		m.Control(http.MethodPost, "/apps", map[string]string{"app_id": app, "public_key": pub, "seller_id": s1}, http.StatusCreated)
		c := m.Client(func(c *client.Config) { c.AppID = app })
		transferTo(context.Background(), t, c, "RR-1", "10.00")
		b := m.Control(http.MethodPost, "/apps", map[string]string{"app_id": app, "public_key": pub, "seller_id": s2}, http.StatusBadRequest)
		if !strings.Contains(string(b), "seller_id") {
			t.Errorf("the refusal names no field: %s", b)
		}
		m.Control(http.MethodPost, "/apps", map[string]string{"app_id": app, "public_key": pub, "seller_id": s1, "name": "renamed"}, http.StatusCreated)
		want := fund.DefaultOpening - amount.MustParse("10.00")
		if got := balanceOf(m, app); got != want {
			t.Errorf("--data %q: balance %s, want %s", dir, got, want)
		}
		if got := balanceOf(m, s2Probe(t, m, pub)); got != fund.DefaultOpening {
			t.Errorf("--data %q: the other merchant's balance %s, want the opening %s", dir, got, fund.DefaultOpening)
		}
		if dir == "" {
			continue
		}
		o.Apps = []apps.Spec{{AppID: app, PublicKey: pub, SellerID: s2}}
		m = restart(t, m, o)
		var list []struct {
			AppID    string `json:"app_id"`
			SellerID string `json:"seller_id"`
		}
		m.ControlJSON(http.MethodGet, "/apps", nil, http.StatusOK, &list)
		seller := ""
		for _, x := range list {
			if x.AppID == app {
				seller = x.SellerID
			}
		}
		if seller != s1 {
			t.Errorf("an app given at start with seller_id %s: its merchant is %q, want the stored %s", s2, seller, s1)
		}
		if got := balanceOf(m, app); got != want {
			t.Errorf("after a restart: balance %s, want %s", got, want)
		}
	}
}

// s2Probe registers another app of merchant 2088102146225192 and returns
// its id: its balance is that merchant's.
func s2Probe(t *testing.T, m *mocktest.Mock, pub string) string {
	t.Helper()
	const probe = "2021000000000092"
	m.Control(http.MethodPost, "/apps", map[string]string{"app_id": probe, "public_key": pub, "seller_id": "2088102146225192"}, http.StatusCreated)
	return probe
}
