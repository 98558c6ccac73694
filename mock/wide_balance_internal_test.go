package mock

import (
	"context"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/store"
)

// A merchant's account stored with more than 12 digits of yuan (what
// many evicted trades and transfers moved: TestAStoredAccountPastTwelve-
// DigitsOfYuanReadsBackExactly in mock/fund reaches one) starts again
// exactly: the mock answers alipay.fund.account.query with the stored
// balance, not with the 12-digit cap a request's amount reader stops at.
func TestABalancePastTwelveDigitsOfYuanRestoresExactly(t *testing.T) {
	dir := t.TempDir()
	var o Options
	s, _ := startOn(t, o, dir)
	account := s.Apps.Account(keys.DevAppID)
	_ = s.Close()

	base, evicted := amount.Amount(3_000_000_000_000_07), amount.Amount(1_234_567_890_123_45)
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutAccount(account, fund.Snapshot{Base: base, Evicted: evicted,
		Apps: map[string]fund.Part{keys.DevAppID: {Evicted: evicted}}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, c := startOn(t, o, dir)
	a, _ := s.Apps.Get(keys.DevAppID)
	var out map[string]any
	if err := c.Do(context.Background(), "alipay.fund.account.query", map[string]string{"alipay_user_id": a.Seller.UserID,
		"account_type": "ACCTRANS_ACCOUNT"}, &out); err != nil {
		t.Fatal(err)
	}
	if got, want := out["available_amount"], (base - evicted).String(); got != want {
		t.Fatalf("available_amount %v after the restart, want %s", got, want)
	}
}
