package trade

import (
	"fmt"
	"testing"

	"github.com/alipay-mock/alipay-mock/fixtures"
)

// samePayees checks the index of paying buyers against a walk of the
// book's trades: each app's buyers counted as many times as its kept paid
// trades name them, found by user id, account and open id, and nothing
// else.
func samePayees(t *testing.T, b *Book, when string) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	defer b.cool()
	type key struct{ app, id string }
	users, accounts := map[key]int{}, map[key]map[string]int32{}
	for _, c := range b.byNo {
		tr := b.warm(c)
		if tr.Paid == nil || tr.Buyer.UserID == "" || b.payees[tr.AppID] == nil { // only indexed apps
			continue
		}
		users[key{tr.AppID, tr.Buyer.UserID}]++
		if tr.Buyer.Account != "" {
			k := key{tr.AppID, tr.Buyer.Account}
			if accounts[k] == nil {
				accounts[k] = map[string]int32{}
			}
			accounts[k][tr.Buyer.UserID]++
		}
	}
	indexed := 0
	for app, a := range b.payees {
		indexed += len(a.users)
		if len(a.opens) != len(a.users) {
			t.Fatalf("%s: app %s has %d users and %d open ids indexed", when, app, len(a.users), len(a.opens))
		}
		for acc, m := range a.accounts {
			got := map[string]int32{}
			for p, n := range m {
				got[p.user] = n
			}
			if want := accounts[key{app, acc}]; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s: account %s indexed for %v, the trades say %v", when, acc, got, want)
			}
		}
		if len(a.accounts) != 0 && len(a.accounts) > len(accounts) {
			t.Fatalf("%s: %d accounts indexed, the trades name %d", when, len(a.accounts), len(accounts))
		}
	}
	if indexed != len(users) {
		t.Fatalf("%s: %d buyers indexed, the trades name %d", when, indexed, len(users))
	}
	for k, n := range users {
		a := b.payees[k.app]
		if a == nil || a.users[k.id] == nil || int(a.users[k.id].n) != n {
			t.Fatalf("%s: buyer %v indexed %v, the trades name it %d times", when, k, a, n)
		}
		if p := a.users[k.id]; a.opens[openHash(fixtures.OpenID(k.app, k.id))] != p {
			t.Fatalf("%s: buyer %v not found by its open id", when, k)
		}
	}
	for k := range accounts {
		if a := b.payees[k.app]; a == nil || a.accounts[k.id] == nil {
			t.Fatalf("%s: account %v not indexed", when, k)
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
	if len(e.book.payees) != 0 {
		t.Fatal("an app is indexed before any lookup")
	}
	tr := e.query(t, "P00")
	// The first lookup indexes the app's trades so far; later changes
	// keep it.
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
	if _, ok := e.book.PaidBuyer(app1, ByOpenID, fixtures.OpenID(app2, tr.Buyer.UserID)); ok {
		t.Fatal("a buyer is known by its open id for another app")
	}
	samePayees(t, e.book, "after the first lookups")
	for i := 30; i < 36; i++ {
		must(e.book.Pay(merchant1, barcode(fmt.Sprintf("P%02d", i), "10.00", fmt.Sprintf("2811111111111111%02d", i)), ctx))(t)
	}
	samePayees(t, e.book, "after more payments")
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

// One buyer paying with two accounts, and two buyers with one account:
// an account is known while a kept paid trade used it, for each buyer
// who paid with it (the index counts them per account).
func TestPayeeIndexCountsEachAccountsTrades(t *testing.T) {
	e := newEnv(t, Options{Keep: 3})
	u1a := fixtures.Buyer{UserID: "2088000000000101", LogonID: "first@x.com"} // Act takes the logon unmasked
	u1b := u1a
	u1b.LogonID = "second@x.com"
	u2 := fixtures.Buyer{UserID: "2088000000000102", LogonID: "second@x.com"}
	pay := func(out string, who fixtures.Buyer) {
		t.Helper()
		e.precreate(t, out, "1.00")
		if _, err := e.book.Act(app1, out, ActScan, &who); err != nil {
			t.Fatal(err)
		}
		if _, err := e.book.Act(app1, out, ActPay, &who); err != nil {
			t.Fatal(err)
		}
	}
	pay("A1", u1a) // u1 with first@
	pay("A2", u2)  // u2 with second@
	pay("A3", u1b) // u1 with second@
	if _, ok := e.book.PaidBuyer(app1, ByAccount, "first@x.com"); !ok {
		t.Fatal("first@ unknown while A1 is kept")
	}
	samePayees(t, e.book, "three buyers' trades")
	pay("A4", u2) // past Keep: A1 goes, and first@ with it
	samePayees(t, e.book, "A1 evicted")
	if b, ok := e.book.PaidBuyer(app1, ByAccount, "first@x.com"); ok {
		t.Fatalf("first@ still names %+v with A1 gone", b)
	}
	pay("A5", fixtures.Buyer{UserID: "2088000000000103", LogonID: "third@x.com"})
	pay("A6", u1b) // A2 and A3 go: second@ is still u2's (A4) and u1's (A6)
	samePayees(t, e.book, "A2 and A3 evicted")
	if _, ok := e.book.PaidBuyer(app1, ByAccount, "second@x.com"); !ok {
		t.Fatal("second@ unknown while A4 and A6 are kept")
	}
}

// One user paying every kept trade with a new logon, in increasing order
// (anyone can, on the public QR page): each eviction then drops the logon
// the index names for that user. Finding the next one looks at a few
// entries, not at every logon of the app.
func TestPayeeIndexEvictionLooksAtFewEntries(t *testing.T) {
	const keep, evict = 1000, 200
	e := newEnv(t, Options{Keep: keep})
	if _, ok := e.book.PaidBuyer(app1, ByUserID, "2088000000000731"); ok { // indexed from the start
		t.Fatal("a buyer is known before any payment")
	}
	pay := func(out, logon string) {
		t.Helper()
		who := fixtures.Buyer{UserID: "2088000000000731", LogonID: logon}
		e.precreate(t, out, "1.00")
		must(e.book.Act(app1, out, ActScan, &who))(t)
		must(e.book.Act(app1, out, ActPay, &who))(t)
	}
	for i := 0; i < keep; i++ {
		pay(fmt.Sprintf("W%05d", i), fmt.Sprintf("w%05d@x.com", i))
	}
	e.book.mu.Lock()
	before := e.book.payees[app1].steps
	e.book.mu.Unlock()
	for i := 0; i < evict; i++ { // each, once scanned, evicts the oldest trade, and the logon the index names
		e.precreate(t, fmt.Sprintf("X%05d", i), "1.00")
		must(e.book.Act(app1, fmt.Sprintf("X%05d", i), ActScan, nil))(t)
	}
	e.book.mu.Lock()
	steps := e.book.payees[app1].steps - before
	e.book.mu.Unlock()
	if steps > 4*evict {
		t.Errorf("%d evictions looked at %d index entries: each walks the app's %d logons", evict, steps, keep)
	}
	samePayees(t, e.book, "after the evictions")
	b, ok := e.book.PaidBuyer(app1, ByUserID, "2088000000000731")
	if want := fmt.Sprintf("w%05d@x.com", evict); !ok || b.Account != want {
		t.Errorf("the user's logon after the evictions: %+v %v, want %s (the lowest it still paid with)", b, ok, want)
	}
}

// An app's first lookup (a made-up merchant's, free to make) looks at that
// app's trades, never at the rest of the book.
func TestPayeeIndexFirstLookupLooksAtTheAppsTrades(t *testing.T) {
	const others = 1000
	e := newEnv(t, Options{})
	for i := 0; i < others; i++ {
		must(e.book.Pay(merchant1, barcode(fmt.Sprintf("O%05d", i), "1.00", authCodeA), ctx))(t)
	}
	for i := 0; i < 3; i++ {
		must(e.book.Pay(merchant2, barcode(fmt.Sprintf("T%05d", i), "1.00", authCodeB), ctx))(t)
	}
	tr := must(e.book.Query(app2, Ref{OutTradeNo: "T00000"}))(t)
	if _, ok := e.book.PaidBuyer(app2, ByUserID, tr.Buyer.UserID); !ok {
		t.Fatal("app2's buyer unknown")
	}
	e.book.mu.Lock()
	steps := e.book.payees[app2].steps
	e.book.mu.Unlock()
	if steps > 3 {
		t.Errorf("app2's first lookup looked at %d trades, app2 has 3: it walks the whole book", steps)
	}
	samePayees(t, e.book, "after the first lookup")
	e.book.Reset(app2) // its list goes with its trades
	if _, ok := e.book.PaidBuyer(app2, ByUserID, tr.Buyer.UserID); ok {
		t.Fatal("app2's buyer known after its reset")
	}
	e.book.mu.Lock()
	steps = e.book.payees[app2].steps
	e.book.mu.Unlock()
	if steps != 0 {
		t.Errorf("app2's lookup after its reset looked at %d trades, it has none", steps)
	}
}
