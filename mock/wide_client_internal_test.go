package mock

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/store"
)

// A balance past 12 digits of yuan now restores exactly and the mock
// answers alipay.fund.account.query with it (docs/persistence.md,
// TestABalancePastTwelveDigitsOfYuanRestoresExactly, which reads the
// answer as a map). The bundled Go client reads available_amount with
// amount.Amount's request reader, capped at 12 digits: it returns
// 1,000,000,000,000.00 (one past every limit) with no error, not the
// balance the mock answered.
func TestClientReadsABalancePastTwelveDigitsExactly(t *testing.T) {
	dir := t.TempDir()
	var o Options
	s, _ := startOn(t, o, dir)
	account := s.Apps.Account(keys.DevAppID)
	_ = s.Close()

	base := amount.Amount(3_000_000_000_000_07) // 3,000,000,000,000.07
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutAccount(account, fund.Snapshot{Base: base}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, c := startOn(t, o, dir)
	if got := accountQuery(t, s, c); got != base {
		t.Fatalf("client.AccountQuery: available_amount %s, the mock's balance is %s", got, base)
	}
}
