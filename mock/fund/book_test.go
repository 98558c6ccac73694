package fund_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/fund"
)

const (
	app    = "9021000100000001"
	seller = "2088100000000001"
	payee  = "2088000000000777"
)

var epoch = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func newBook(t *testing.T, opts fund.Options) (*fund.Book, *clock.Sim) {
	t.Helper()
	clk := clock.NewManual(epoch)
	return fund.NewBook(clk, fixtures.New(1), opts), clk
}

var merchant = fund.Merchant{AppID: app, UserID: seller}

func req(out, amt string) fund.Request {
	return fund.Request{OutBizNo: out, TransAmount: amount.MustParse(amt), ProductCode: fund.ProductNoPwd, BizScene: fund.SceneDirect, SceneName: "佣金报酬",
		PayeeInfo: &fund.Participant{Identity: payee, IdentityType: fund.IdentityUserID}}
}

func subCode(err error) string {
	var e *apierr.Error
	if errors.As(err, &e) {
		return e.SubCode
	}
	if err != nil {
		return "not an apierr: " + err.Error()
	}
	return ""
}

func TestCheck(t *testing.T) {
	b, _ := newBook(t, fund.Options{})
	long := make([]byte, 65)
	for i := range long {
		long[i] = 'a'
	}
	for _, tc := range []struct {
		name string
		edit func(*fund.Request)
		want string
	}{
		{"ok", func(*fund.Request) {}, ""},
		{"no biz_scene", func(r *fund.Request) { r.BizScene = "" }, "INVALID_PARAMETER"},
		{"no out_biz_no", func(r *fund.Request) { r.OutBizNo = "" }, "INVALID_PARAMETER"},
		{"out_biz_no of 65", func(r *fund.Request) { r.OutBizNo = string(long) }, "INVALID_PARAMETER"},
		{"zero amount", func(r *fund.Request) { r.TransAmount = 0 }, "INVALID_PARAMETER"},
		{"0.09", func(r *fund.Request) { r.TransAmount = 9 }, "EXCEED_LIMIT_SM_MIN_AMOUNT"},
		{"0.10", func(r *fund.Request) { r.TransAmount = 10 }, ""},
		{"over the limit", func(r *fund.Request) { r.TransAmount = fund.MaxAmount + 1 }, "EXCEED_LIMIT_SM_AMOUNT"},
		{"no product", func(r *fund.Request) { r.ProductCode = "" }, "INVALID_PARAMETER"},
		{"red packet product", func(r *fund.Request) { r.ProductCode = "STD_RED_PACKET" }, "PRODUCT_NOT_SIGN"},
		{"other scene", func(r *fund.Request) { r.BizScene = "PERSONAL_PAY" }, "INVALID_PARAMETER"},
		{"no payee", func(r *fund.Request) { r.PayeeInfo = nil }, "INVALID_PARAMETER"},
		{"no scene name", func(r *fund.Request) { r.SceneName = "" }, "TRANSFER_SCENE_NAME_BLANK"},
		{"report infos", func(r *fund.Request) {
			r.SceneReportInfos = []fund.SceneReportInfo{{InfoType: "佣金报酬说明", InfoContent: "报酬"}}
		}, ""},
		{"report info without content", func(r *fund.Request) {
			r.SceneReportInfos = []fund.SceneReportInfo{{InfoType: "佣金报酬说明"}}
		}, "INVALID_PARAMETER"},
		{"logon id, phone", func(r *fund.Request) {
			r.PayeeInfo = &fund.Participant{Identity: "13800000000", IdentityType: fund.IdentityLogonID, Name: "n"}
		}, ""},
		{"logon id, no name", func(r *fund.Request) {
			r.PayeeInfo = &fund.Participant{Identity: "13800000000", IdentityType: fund.IdentityLogonID}
		}, "INVALID_PARAMETER"},
		{"logon id, 12 digits", func(r *fund.Request) {
			r.PayeeInfo = &fund.Participant{Identity: "138000000001", IdentityType: fund.IdentityLogonID, Name: "n"}
		}, "PAYEE_NOT_EXIST"},
		{"open id", func(r *fund.Request) {
			r.PayeeInfo = &fund.Participant{Identity: fixtures.OpenID(app, payee), IdentityType: fund.IdentityOpenID}
		}, ""},
		{"open id with - and _ (production's alphabet)", func(r *fund.Request) {
			r.PayeeInfo = &fund.Participant{Identity: "083dALza2Yowfx4P-z2Ut1FpAQjtjJ-_sW8m87-yqXIfKsb", IdentityType: fund.IdentityOpenID}
		}, ""},
		{"open id cut short", func(r *fund.Request) {
			r.PayeeInfo = &fund.Participant{Identity: fixtures.OpenID(app, payee)[:46], IdentityType: fund.IdentityOpenID}
		}, "PAYEE_NOT_EXIST"},
		{"paying oneself", func(r *fund.Request) {
			r.PayeeInfo = &fund.Participant{Identity: seller, IdentityType: fund.IdentityUserID}
		}, "PAYER_PAYEE_CANNOT_SAME"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := req("C-"+tc.name, "1.00")
			tc.edit(&r)
			_, err := b.Transfer(merchant, r, fund.Plan{})
			if got := subCode(err); got != tc.want {
				t.Fatalf("sub_code %q, want %q", got, tc.want)
			}
		})
	}
}

// The balance: opening, less transfers; DEALING frozen; REFUND given back;
// FAIL never taken; a set balance holds whatever came before.
func TestBalance(t *testing.T) {
	b, clk := newBook(t, fund.Options{Opening: amount.MustParse("100.00")})
	income := amount.Amount(0)
	b.IncomeFrom(func(string) (amount.Amount, amount.Amount) { return income, 0 })
	want := func(avail, freeze string) {
		t.Helper()
		if got := must(b.Balance(app)); got.Available != amount.MustParse(avail) || got.Freeze != amount.MustParse(freeze) {
			t.Fatalf("balance %+v, want %s / %s", got, avail, freeze)
		}
	}
	want("100.00", "0")
	if _, err := b.Transfer(merchant, req("S", "10.00"), fund.Plan{}); err != nil {
		t.Fatal(err)
	}
	want("90.00", "0")
	if x, err := b.Transfer(merchant, req("F", "10.00"), fund.Plan{Status: fund.Fail}); err != nil || x.Status != fund.Fail || x.PayFundOrderID != "" {
		t.Fatalf("FAIL: %+v %v", x, err)
	}
	want("90.00", "0")
	if _, err := b.Transfer(merchant, req("D", "20.00"), fund.Plan{Status: fund.Dealing, After: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Transfer(merchant, req("R", "30.00"), fund.Plan{Status: fund.Refund}); err != nil {
		t.Fatal(err)
	}
	want("40.00", "50.00")
	income = amount.MustParse("5.00")
	want("45.00", "50.00")
	if _, err := b.Transfer(merchant, req("TOO", "45.01"), fund.Plan{}); subCode(err) != "PAYER_BALANCE_NOT_ENOUGH" {
		t.Fatalf("over the balance: %v", err)
	}
	if _, ok := b.Settle(app, "R"); ok {
		t.Fatal("settled before due")
	}
	clk.Advance(fund.DefaultDealing)
	if x, ok := b.Settle(app, "R"); !ok || x.Status != fund.Refund || x.ErrorCode != fund.FailCode || !x.Changed.Equal(epoch.Add(fund.DefaultDealing)) {
		t.Fatalf("R: %+v %v", x, ok)
	}
	want("75.00", "20.00")
	clk.Advance(time.Hour)
	if x, ok := b.Settle(app, "D"); !ok || x.Status != fund.Success {
		t.Fatalf("D: %+v %v", x, ok)
	}
	want("75.00", "0")
	if a, err := b.SetBalance(app, amount.MustParse("12.34")); err != nil || a.Available != amount.MustParse("12.34") {
		t.Fatalf("set: %+v %v", a, err)
	}
	income = amount.MustParse("6.00")
	want("13.34", "0")
	if _, err := b.SetBalance(app, -1); err == nil {
		t.Fatal("a negative balance was set")
	}
	b.Reset(app)
	want("106.00", "0") // the opening balance and the income
}

// One out_biz_no is one transfer: a repeat answers it, another request
// with it is refused, and concurrent repeats make one.
func TestIdempotent(t *testing.T) {
	b, _ := newBook(t, fund.Options{})
	var wg sync.WaitGroup
	ids := make([]string, 16)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x, err := b.Transfer(merchant, req("SAME", "3.00"), fund.Plan{})
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = x.OrderID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent repeats made several transfers: %v", ids)
		}
	}
	if n := b.Len(); n != 1 {
		t.Fatalf("%d transfers", n)
	}
	if got := must(b.Balance(app)).Available; got != fund.DefaultOpening-300 {
		t.Fatalf("balance %s", got)
	}
	for _, edit := range []func(*fund.Request){
		func(r *fund.Request) { r.TransAmount++ },
		func(r *fund.Request) {
			r.PayeeInfo = &fund.Participant{Identity: "2088000000000778", IdentityType: fund.IdentityUserID}
		},
		func(r *fund.Request) { r.OrderTitle = "other" },
	} {
		r := req("SAME", "3.00")
		edit(&r)
		if _, err := b.Transfer(merchant, r, fund.Plan{}); subCode(err) != "PAYMENT_INFO_INCONSISTENCY" {
			t.Errorf("%+v: %v", r, err)
		}
	}
	// Another app may use the same out_biz_no.
	if x, err := b.Transfer(fund.Merchant{AppID: "9021000100000002", UserID: seller}, req("SAME", "3.00"), fund.Plan{}); err != nil || x.OrderID == ids[0] {
		t.Fatalf("other app: %+v %v", x, err)
	}
	// Queries stay within the app.
	if _, err := b.Query("9021000100000002", fund.QueryRequest{OrderID: ids[0]}); subCode(err) != "ORDER_NOT_EXIST" {
		t.Fatalf("another app's order: %v", err)
	}
}

// Past Keep the oldest final transfers go; their money stays counted and a
// DEALING one is kept.
func TestKeep(t *testing.T) {
	b, _ := newBook(t, fund.Options{Keep: 3})
	if _, err := b.Transfer(merchant, req("D", "1.00"), fund.Plan{Status: fund.Dealing}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := b.Transfer(merchant, req(fmt.Sprint("K", i), "1.00"), fund.Plan{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := b.Len(); n != 3 {
		t.Fatalf("kept %d, want 3", n)
	}
	if _, ok, _ := b.Get(app, "D"); !ok {
		t.Fatal("the DEALING transfer was evicted")
	}
	if _, ok, _ := b.Get(app, "K0"); ok {
		t.Fatal("the oldest final transfer was kept")
	}
	if a := must(b.Balance(app)); a.Available != fund.DefaultOpening-600 || a.Freeze != 100 {
		t.Fatalf("balance after eviction %+v", a)
	}
	// Restoring what a store holds keeps the same balance.
	b2, _ := newBook(t, fund.Options{Keep: 3})
	b2.Restore(map[string]fund.Snapshot{app: {Base: fund.DefaultOpening, Evicted: 300}}, nil, b.List(""))
	if a := must(b2.Balance(app)); a != must(b.Balance(app)) {
		t.Fatalf("restored %+v, want %+v", a, must(b.Balance(app)))
	}
}

func TestAccountQuery(t *testing.T) {
	b, _ := newBook(t, fund.Options{})
	for _, tc := range []struct {
		q    fund.AccountRequest
		want string
	}{
		{fund.AccountRequest{AlipayUserID: seller, AccountType: fund.AccountType}, ""},
		{fund.AccountRequest{AlipayOpenID: fixtures.OpenID(app, seller), AccountType: fund.AccountType}, ""},
		{fund.AccountRequest{AlipayUserID: seller}, "INVALID_PARAMETER"},
		{fund.AccountRequest{AccountType: fund.AccountType}, "INVALID_PARAMETER"},
		{fund.AccountRequest{AlipayUserID: payee, AccountType: fund.AccountType}, "INVALID_PARAMETER"},
		{fund.AccountRequest{AlipayOpenID: fixtures.OpenID(app, payee), AccountType: fund.AccountType}, "INVALID_PARAMETER"},
	} {
		if _, err := b.Account(merchant, tc.q); subCode(err) != tc.want {
			t.Errorf("%+v: %v, want %q", tc.q, err, tc.want)
		}
	}
}

// must is a balance an in-memory book read (it has no store to fail).
func must(a fund.Account, err error) fund.Account {
	if err != nil {
		panic(err)
	}
	return a
}
