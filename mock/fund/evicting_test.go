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

// Dropped (a store's Evicted) moves what Evicting counted into the base and
// hands the account to write in the same step, for the store to write it
// with the delete (never PutAccount, a commit of its own); a reset between
// took the money away, and the delete is still written, with no account.
func TestDroppedHandsTheCreditedAccountToTheDelete(t *testing.T) {
	b, _ := newBook(t, fund.Options{})
	st := &accounts{put: map[string]fund.Snapshot{}}
	b.Persist(st)
	ten, four := amount.MustParse("10.00"), amount.MustParse("4.00")
	b.Evicting("A", ten, func() {})
	b.Evicting("A", -four, func() {})
	var writes []map[string]fund.Snapshot
	write := func(a map[string]fund.Snapshot) { writes = append(writes, a) }
	b.Dropped([]fund.Credit{{App: "A", Amount: ten}, {App: "A", Amount: -four}}, write)
	want := fund.DefaultOpening + ten - four
	if len(writes) != 1 || writes[0]["A"].Base != want || writes[0]["A"].Apps["A"].Credited != ten-four {
		t.Fatalf("written with the delete: %+v, want one account with base %v", writes, want)
	}
	if len(st.put) != 0 {
		t.Fatalf("written apart from the delete: %+v", st.put)
	}
	if a, _ := b.Balance("A"); a.Available != want {
		t.Fatalf("balance %v, want %v", a.Available, want)
	}

	b.Evicting("A", ten, func() {})
	if err := b.Reset("A"); err != nil {
		t.Fatal(err)
	}
	writes = nil
	b.Dropped([]fund.Credit{{App: "A", Amount: ten}}, write)
	if len(writes) != 1 || writes[0] != nil {
		t.Fatalf("after a reset between: written %+v, want the delete alone", writes)
	}
	if a, _ := b.Balance("A"); a.Available != fund.DefaultOpening {
		t.Fatalf("after a reset between: balance %v, want the opening", a.Available)
	}
}
