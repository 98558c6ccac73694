package trade

import (
	"fmt"
	"testing"
	"time"
)

// The book's counters and indexes answer what a walk over every trade
// would: Counts after payments, closes, expiries, resets and eviction; the
// out_trade_no index across apps after a reset; pages read a chunk at a
// time with a filter that matches few trades.

// tally is Counts the slow way, from the trades themselves.
func tally(t *testing.T, b *Book) map[Status]int {
	out := map[Status]int{}
	for _, t := range must(b.List(Filter{}))(t) {
		out[t.Status]++
	}
	return out
}

func sameCounts(t *testing.T, b *Book, when string) {
	t.Helper()
	got, want := must(b.Counts())(t), tally(t, b)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: Counts %v, the trades say %v", when, got, want)
	}
}

func TestCountsFollowEveryChange(t *testing.T) {
	e := newEnv(t, Options{Keep: 40})
	for i := 0; i < 30; i++ {
		tr := e.precreate(t, fmt.Sprintf("C%02d", i), "1.00")
		switch i % 3 {
		case 0:
			must(e.book.Act(app1, tr.TradeNo, ActPay, nil))(t)
		case 1:
			must(e.book.Act(app1, tr.TradeNo, ActClose, nil))(t)
		}
	}
	sameCounts(t, e.book, "after pay and close")
	if c := must(e.book.Counts())(t); c[Success] != 10 || c[Closed] != 10 || c[WaitBuyerPay] != 10 {
		t.Fatalf("counts %v", c)
	}
	e.clk.Advance(4 * time.Hour) // the unpaid ones expire when settled
	e.settleAll()
	sameCounts(t, e.book, "after expiry")
	for i := 0; i < 20; i++ { // past Keep: the final ones go first
		must(e.book.Precreate(merchant2, order(fmt.Sprintf("D%02d", i), "1.00"), ctx))(t)
	}
	sameCounts(t, e.book, "after eviction")
	e.book.Reset(app2)
	sameCounts(t, e.book, "after one app's reset")
	e.book.Reset("")
	if c := must(e.book.Counts())(t); len(c) != 0 {
		t.Fatalf("after reset: %v", c)
	}
}

func TestOutTradeNoIndexAcrossApps(t *testing.T) {
	e := newEnv(t, Options{})
	a := must(e.book.Precreate(merchant1, order("SAME", "1.00"), ctx))(t)
	b := must(e.book.Precreate(merchant2, order("SAME", "2.00"), ctx))(t)
	if _, err := e.book.Get("", "SAME"); err != ErrAmbiguous {
		t.Fatalf("shared out_trade_no: %v", err)
	}
	for _, tc := range []struct{ app, want string }{{app1, a.TradeNo}, {app2, b.TradeNo}} {
		if got, err := e.book.Get(tc.app, "SAME"); err != nil || got.TradeNo != tc.want {
			t.Fatalf("app %s: %v %v", tc.app, got.TradeNo, err)
		}
	}
	e.book.Reset(app1)
	if got, err := e.book.Get("", "SAME"); err != nil || got.TradeNo != b.TradeNo {
		t.Fatalf("after app1's reset: %v %v", got.TradeNo, err)
	}
	e.book.Reset(app2)
	if _, err := e.book.Get("", "SAME"); err != ErrNotFound {
		t.Fatalf("after both resets: %v", err)
	}
}

func TestPagesAcrossChunks(t *testing.T) {
	e := newEnv(t, Options{})
	var want []string // app2's trades, oldest first
	for i := 0; i < 3*chunk+7; i++ {
		m := merchant1
		if i%97 == 5 {
			m = merchant2
		}
		tr := must(e.book.Precreate(m, order(fmt.Sprintf("P%04d", i), "1.00"), ctx))(t)
		if m.AppID == app2 {
			want = append(want, tr.TradeNo)
		}
	}
	for _, newest := range []bool{false, true} {
		var got []string
		var at uint64
		for {
			page, next, err := e.book.Page(Filter{AppID: app2}, at, 2, newest)
			if err != nil {
				t.Fatal(err)
			}
			for _, tr := range page {
				got = append(got, tr.TradeNo)
			}
			if next == 0 {
				break
			}
			at = next
		}
		exp := append([]string(nil), want...)
		if newest {
			for i, j := 0, len(exp)-1; i < j; i, j = i+1, j-1 {
				exp[i], exp[j] = exp[j], exp[i]
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(exp) {
			t.Fatalf("newest %v: pages %v, want %v", newest, got, exp)
		}
	}
	if n := len(must(e.book.List(Filter{}))(t)); n != 3*chunk+7 {
		t.Fatalf("List: %d trades", n)
	}
}
