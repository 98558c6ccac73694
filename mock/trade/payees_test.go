package trade

import (
	"fmt"
	"testing"

	"github.com/alipay-mock/alipay-mock/fixtures"
)

// samePayees checks the index of paying buyers against a walk of the
// book's trades: each (app, user id), (app, account) and (app, open id)
// counted as many times as kept paid trades name it, and nothing else.
func samePayees(t *testing.T, b *Book, when string) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	users, accounts, opens := map[string]int{}, map[string]int{}, map[string]int{}
	for _, tr := range b.byNo {
		if tr.Paid == nil || tr.Buyer.UserID == "" {
			continue
		}
		users[tr.AppID+"\x00"+tr.Buyer.UserID]++
		opens[tr.AppID+"\x00"+fixtures.OpenID(tr.AppID, tr.Buyer.UserID)]++
		if tr.Buyer.Account != "" {
			accounts[tr.AppID+"\x00"+tr.Buyer.Account]++
		}
	}
	for name, c := range map[string]struct {
		walk  map[string]int
		index map[string]*payee
	}{"users": {users, b.payees.users}, "accounts": {accounts, b.payees.accounts}, "opens": {opens, b.payees.opens}} {
		if len(c.walk) != len(c.index) {
			t.Fatalf("%s: %d %s indexed, the trades name %d", when, len(c.index), name, len(c.walk))
		}
		for k, n := range c.walk {
			if p := c.index[k]; p == nil || p.n != n {
				t.Fatalf("%s: %s %q indexed %v, the trades name it %d times", when, name, k, p, n)
			}
		}
	}
}

func TestPayeeIndexFollowsEveryChange(t *testing.T) {
	e := newEnv(t, Options{Keep: 40})
	codes := []string{authCodeA, authCodeB, "281111111111111111"}
	for i := 0; i < 30; i++ {
		out := fmt.Sprintf("P%02d", i)
		switch i % 3 {
		case 0, 1:
			must(e.book.Pay(merchant1, barcode(out, "10.00", codes[i%len(codes)]), ctx))(t)
		case 2:
			e.precreate(t, out, "1.00")
		}
	}
	samePayees(t, e.book, "after payments")
	tr := e.query(t, "P00")
	for kind, id := range map[string]string{ByUserID: tr.Buyer.UserID, ByAccount: tr.Buyer.Account, ByOpenID: fixtures.OpenID(app1, tr.Buyer.UserID)} {
		if id == "" {
			continue
		}
		if got, ok := e.book.PaidBuyer(app1, kind, id); !ok || got.UserID != tr.Buyer.UserID || got.Name != tr.Buyer.Name {
			t.Fatalf("PaidBuyer %s %s: %+v %v, want %+v", kind, id, got, ok, tr.Buyer)
		}
		if _, ok := e.book.PaidBuyer(app2, kind, id); ok {
			t.Fatalf("%s %s is a known buyer of an app it never paid", kind, id)
		}
	}
	// A full refund closes a trade, still paid: its buyer stays known.
	must(e.book.Refund(app1, RefundRequest{Ref: Ref{OutTradeNo: "P01"}, RefundAmount: amt("10.00"), OutRequestNo: "r"}))(t)
	samePayees(t, e.book, "after a refund")
	for i := 0; i < 30; i++ { // past Keep: trades evicted take their buyers with them
		must(e.book.Pay(merchant2, barcode(fmt.Sprintf("Q%02d", i), "1.00", codes[i%len(codes)]), ctx))(t)
	}
	samePayees(t, e.book, "after eviction")
	e.book.Reset(app2)
	samePayees(t, e.book, "after one app's reset")
	e.book.Reset("")
	if _, ok := e.book.PaidBuyer(app1, ByUserID, tr.Buyer.UserID); ok {
		t.Fatal("a buyer is known after the reset")
	}
	samePayees(t, e.book, "after reset")
}
