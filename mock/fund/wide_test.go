package fund_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/mock/fund"
)

// twelveDigits is the most a request's amount reader (amount.Amount's
// UnmarshalJSON) reads as written: 12 digits of yuan.
const twelveDigits = amount.Amount(999_999_999_999_99)

// A merchant's stored account can pass 12 digits of yuan: here what
// 10,001 evicted transfers of the largest amount took (Evicted), and the
// base the balance set between them needed (Base). Stored as JSON, it is
// read back exactly, not as one past every limit, and a book restored
// from it answers the same balance.
func TestAStoredAccountPastTwelveDigitsOfYuanReadsBackExactly(t *testing.T) {
	b, _ := newBook(t, fund.Options{Keep: 1})
	st := &accounts{put: map[string]fund.Snapshot{}}
	b.Persist(st)
	perRound := int(fund.MaxAmount * 100 / fund.MaxAmount) // what the largest balance one can set covers
	max := amount.Amount(fund.MaxAmount).String()
	n := 0
	for st.put[app].Evicted <= twelveDigits || st.put[app].Base <= twelveDigits {
		if _, err := b.SetBalance(app, fund.MaxAmount*100); err != nil {
			t.Fatal(err)
		}
		for range perRound {
			if _, err := b.Transfer(merchant, req(fmt.Sprint("W", n), max), fund.Plan{}); err != nil {
				t.Fatalf("transfer %d: %v", n, err)
			}
			n++
		}
	}
	stored, ok := st.put[app]
	if !ok || stored.Evicted <= twelveDigits || stored.Base <= twelveDigits {
		t.Fatalf("after %d transfers the stored account is %+v: the test needs more than 12 digits of yuan in it", n, stored)
	}
	text, err := json.Marshal(stored)
	if err != nil {
		t.Fatal(err)
	}
	var back fund.Snapshot
	if err := json.Unmarshal(text, &back); err != nil {
		t.Fatal(err)
	}
	if back.Base != stored.Base || back.Evicted != stored.Evicted || back.Apps[app] != stored.Apps[app] {
		t.Fatalf("%s read back as %+v, want %+v", text, back, stored)
	}
	b2, _ := newBook(t, fund.Options{Keep: 1})
	b2.Restore(map[string]fund.Snapshot{app: back}, nil, b.List(""))
	if got, want := must(b2.Balance(app)), must(b.Balance(app)); got != want {
		t.Fatalf("restored balance %+v, want %+v", got, want)
	}
}

// Every field of a stored account is read back exactly, past 12 digits of
// yuan: the frozen part of what evicted royalty_freeze trades brought in
// (Snapshot.Frozen, Part.Frozen) as well as the base and the evicted sum.
func TestAStoredAccountsFrozenPartReadsBackExactly(t *testing.T) {
	wide := twelveDigits + 12345
	s := fund.Snapshot{Base: wide + 1, Evicted: wide + 2, Frozen: wide + 3,
		Apps: map[string]fund.Part{app: {Evicted: wide + 2, Credited: wide + 1, Frozen: wide + 3}}}
	text, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back fund.Snapshot
	if err := json.Unmarshal(text, &back); err != nil {
		t.Fatal(err)
	}
	if back.Base != s.Base || back.Evicted != s.Evicted || back.Frozen != s.Frozen || back.Apps[app] != s.Apps[app] {
		t.Fatalf("%s read back as %+v, want %+v", text, back, s)
	}
}
