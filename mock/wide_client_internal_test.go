package mock

import (
	"context"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/store"
)

// A balance past 12 digits of yuan restores exactly and the mock answers
// alipay.fund.account.query with it (docs/persistence.md,
// TestABalancePastTwelveDigitsOfYuanRestoresExactly, which reads the
// answer as a map). The bundled Go client reads available_amount and
// freeze_amount exactly too, through gateway.do and /v3/: a balance is a
// sum, not one request's amount, which amount.Amount's JSON reader caps at
// 12 digits (it once answered 1,000,000,000,000.00 with no error).
func TestClientReadsABalancePastTwelveDigitsExactly(t *testing.T) {
	dir := t.TempDir()
	var o Options
	s, _ := startOn(t, o, dir)
	account := s.Apps.Account(keys.DevAppID)
	_ = s.Close()

	// What evicted frozen trades brought in is part of the base, out of
	// the available balance, in freeze_amount.
	base := amount.Amount(5_000_000_000_000_10)
	frozen := amount.Amount(2_000_000_000_000_03)
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutAccount(account, fund.Snapshot{Base: base, Frozen: frozen}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, c := startOn(t, o, dir)
	want := [2]amount.Amount{base - frozen, frozen}
	if got := accountAmounts(t, s, c); got != want {
		t.Fatalf("client.AccountQuery: available_amount, freeze_amount %v, the mock's are %v", got, want)
	}
	a, _ := s.Apps.Get(keys.DevAppID)
	var v3 client.AccountQueryResponse
	if err := c.V3(context.Background(), "alipay.fund.account.query", client.AccountQueryRequest{AlipayUserID: a.Seller.UserID, AccountType: client.AccountTypeBalance}, &v3); err != nil {
		t.Fatalf("v3 account query: %v", err)
	}
	if got := [2]amount.Amount{v3.AvailableAmount, v3.FreezeAmount}; got != want || v3.Code != client.CodeSuccess {
		t.Fatalf("client.V3 alipay.fund.account.query: code %q, available_amount, freeze_amount %v; the mock's are %v", v3.Code, got, want)
	}
}
