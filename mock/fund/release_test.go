package fund_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/mock/fund"
)

// A released account (a made-up merchant nothing names any more) goes: at
// once when it holds no transfer, else with the last of its transfers, and
// the app reads the opening balance again. A read opens nothing.
func TestReleaseLetsTheAccountGo(t *testing.T) {
	b, _ := newBook(t, fund.Options{Keep: 1})
	opening := fund.DefaultOpening
	avail := func(app string) amount.Amount {
		t.Helper()
		a, err := b.Balance(app)
		if err != nil {
			t.Fatal(err)
		}
		return a.Available
	}
	if _, err := b.Transfer(merchant, req("T1", "10.00"), fund.Plan{}); err != nil {
		t.Fatal(err)
	}
	b.Release(app)
	if got := avail(app); got != opening-1000 {
		t.Fatalf("released with a transfer kept: %v, want the account kept until the transfer goes", got)
	}
	other := fund.Merchant{AppID: "9021000100000002", UserID: "2088100000000002"}
	if _, err := b.Transfer(other, req("T2", "1.00"), fund.Plan{}); err != nil { // evicts T1
		t.Fatal(err)
	}
	if got := avail(app); got != opening {
		t.Errorf("after its last transfer went: %v, want the account gone (opening %v)", got, opening)
	}
	if _, err := b.SetBalance(other.AppID, amount.MustParse("5.00")); err != nil {
		t.Fatal(err)
	}
	// Released while its transfer T2 is kept; T3 evicts T2.
	b.Release(other.AppID)
	if _, err := b.Transfer(merchant, req("T3", "1.00"), fund.Plan{}); err != nil {
		t.Fatal(err)
	}
	if got := avail(other.AppID); got != opening {
		t.Errorf("released, its transfer gone: %v, want the opening %v", got, opening)
	}
}
