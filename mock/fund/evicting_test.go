package fund_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/mock/fund"
)

// accounts is a fund.Store that records the accounts written.
type accounts struct{ put map[string]fund.Snapshot }

func (s *accounts) PutTransfer(fund.Transfer, ...fund.Untold) error { return nil }
func (s *accounts) RemoveTransfers([]fund.Transfer) error           { return nil }
func (s *accounts) DeleteTransfers(string) error                    { return nil }
func (s *accounts) PutAccount(k string, a fund.Snapshot) error      { s.put[k] = a; return nil }
func (s *accounts) DeleteAccount(k string) error                    { delete(s.put, k); return nil }
func (s *accounts) UpgradeAccounts(map[string]fund.Snapshot, []string) error {
	return nil
}

// What an evicted trade or packet moves (Evicting) counts in the balance
// at once, in the step that drops it, and reaches the written base only
// when told the store deleted it (Evicted); a reset between takes it away.
func TestEvictingCountsAtOnceAndWritesWhenEvicted(t *testing.T) {
	b, _ := newBook(t, fund.Options{})
	st := &accounts{put: map[string]fund.Snapshot{}}
	b.Persist(st)
	ten := amount.MustParse("10.00")
	took := false
	b.Evicting("A", ten, func() { took = true })
	if a, _ := b.Balance("A"); !took || a.Available != fund.DefaultOpening+ten {
		t.Fatalf("after Evicting: took %v, balance %v", took, a.Available)
	}
	if _, ok := st.put["A"]; ok {
		t.Fatal("written before the store deleted the trade")
	}
	b.Evicted("A", ten, true)
	if a, _ := b.Balance("A"); a.Available != fund.DefaultOpening+ten {
		t.Fatalf("after Evicted: balance %v", a.Available)
	}
	if got := st.put["A"]; got.Base != fund.DefaultOpening+ten || got.Apps["A"].Credited != ten {
		t.Fatalf("written %+v", got)
	}

	b.Evicting("A", ten, func() {})
	if err := b.Reset("A"); err != nil {
		t.Fatal(err)
	}
	b.Evicted("A", ten, true)
	if a, _ := b.Balance("A"); a.Available != fund.DefaultOpening {
		t.Fatalf("after a reset between: balance %v, want the opening", a.Available)
	}
}
