package trade

import (
	"container/heap"
	"hash/maphash"
	"strings"

	"github.com/alipay-mock/alipay-mock/fixtures"
)

// The buyers who paid an app's trades, counted as trades change (where the
// income is reckoned), so a transfer finds whether its payee is a known
// buyer without walking the app's trades. An app is indexed from its first
// lookup on (one walk of its own trades then: Book.byApp), so apps that
// never transfer pay nothing for it; small per buyer: one shared entry,
// keys that share the trades' strings, an open id kept as a hash.
type payee struct {
	user, name string // copies: a decoded trade's strings can share its record (cell.go)
	account    string // the lowest logon account it paid with (the index's key), "" for none
	n          int32  // kept paid trades of this buyer
	accounts   int32  // logon accounts it paid with in them
	open       uint64 // openHash of the buyer's open id for the app
}

// appPayees are one app's known buyers by user id, by the logon account
// they paid with, and by a hash of their open id for the app (checked
// against the open id on lookup).
type appPayees struct {
	users map[string]*payee
	// accounts counts, per logon account, the kept paid trades of each
	// buyer who paid with it (one buyer, nearly always).
	accounts map[string]map[*payee]int32
	// more holds, for a buyer who paid with more than one account, a
	// min-heap of its accounts but p.account, the lowest counted: when
	// that one goes, the lowest still counted takes its place without a
	// walk. Entries gone stale are skipped then, or cut when they pile up.
	more  map[*payee][]string
	opens map[uint64]*payee
	// steps counts the trades and entries looked at to keep the index
	// (its tests bound them).
	steps int
}

var openSeed = maphash.MakeSeed()

func openHash(open string) uint64 { return maphash.String(openSeed, open) }

// paidBuyer reports whether t counts as a paying buyer of its app.
func paidBuyer(t *Trade) bool { return t.Paid != nil && t.Buyer.UserID != "" }

// countPayee brings t's place in the payee index up to date with t (its
// buyer counted once while it is paid). The lock is held.
func (b *Book) countPayee(t *Trade) {
	if want := paidBuyer(t); want != t.c.payee {
		if want {
			t.c.payee = b.addPayee(t)
		} else {
			b.dropPayee(t)
			t.c.payee = false
		}
	}
}

// uncountPayee takes t out of the payee index. The lock is held.
func (b *Book) uncountPayee(t *Trade) {
	if t.c.payee {
		b.dropPayee(t)
		t.c.payee = false
	}
}

// addPayee counts t's buyer; false, t left uncounted, for an app not
// indexed yet. The lock is held.
func (b *Book) addPayee(t *Trade) bool {
	a := b.payees[t.AppID]
	if a == nil {
		return false
	}
	by := t.Buyer
	p := a.users[by.UserID]
	if p == nil {
		p = &payee{user: strings.Clone(by.UserID), name: strings.Clone(by.Name), open: openHash(fixtures.OpenID(t.AppID, by.UserID))}
		a.users[p.user] = p
		a.opens[p.open] = p
	}
	p.n++
	if by.Account != "" {
		m := a.accounts[by.Account]
		acc := "" // the index's copy of the account, when made here
		if m == nil {
			acc, m = strings.Clone(by.Account), map[*payee]int32{}
			a.accounts[acc] = m
		}
		if m[p]++; m[p] == 1 {
			p.accounts++
			if acc == "" {
				acc = strings.Clone(by.Account)
			}
			a.noteAccount(p, acc)
		}
	}
	return true
}

// noteAccount records that p paid with acc again (after none of its kept
// trades did); acc is the index's own copy. p.account stays the lowest
// counted, the rest wait in p's heap. The lock is held.
func (a *appPayees) noteAccount(p *payee, acc string) {
	if p.account == "" {
		p.account = acc
		return
	}
	if acc == p.account {
		return
	}
	if acc < p.account {
		acc, p.account = p.account, acc
	}
	h := accountHeap(a.more[p])
	heap.Push(&h, acc)
	if len(h) > 2*int(p.accounts)+2 { // mostly stale: keep each counted one once
		seen := make(map[string]bool, p.accounts)
		kept := h[:0]
		for _, k := range h {
			a.steps++
			if !seen[k] && k != p.account && a.accounts[k][p] > 0 {
				seen[k] = true
				kept = append(kept, k)
			}
		}
		clear(h[len(kept):])
		h = kept
		heap.Init(&h)
	}
	a.more[p] = h
}

// nextAccount is the lowest account p still paid with, p.account now
// gone, or "" for none. The lock is held.
func (a *appPayees) nextAccount(p *payee) string {
	h := accountHeap(a.more[p])
	for len(h) > 0 {
		k := heap.Pop(&h).(string)
		a.steps++
		if a.accounts[k][p] > 0 {
			if len(h) == 0 {
				delete(a.more, p)
			} else {
				a.more[p] = h
			}
			return k
		}
	}
	delete(a.more, p)
	return ""
}

// accountHeap is a min-heap of a buyer's logon accounts (container/heap).
type accountHeap []string

func (h accountHeap) Len() int           { return len(h) }
func (h accountHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h accountHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *accountHeap) Push(x any)        { *h = append(*h, x.(string)) }
func (h *accountHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = ""
	*h = old[:len(old)-1]
	return x
}

// dropPayee uncounts t's buyer. The lock is held.
func (b *Book) dropPayee(t *Trade) {
	a := b.payees[t.AppID]
	if a == nil {
		return
	}
	by := t.Buyer
	p := a.users[by.UserID]
	if p == nil {
		return
	}
	if m := a.accounts[by.Account]; m != nil && by.Account != "" {
		if m[p]--; m[p] <= 0 {
			delete(m, p)
			p.accounts--
			if p.account == by.Account {
				p.account = a.nextAccount(p)
			}
		}
		if len(m) == 0 {
			delete(a.accounts, by.Account)
		}
	}
	if p.n--; p.n > 0 {
		return
	}
	delete(a.users, by.UserID)
	delete(a.more, p)
	if a.opens[p.open] == p {
		delete(a.opens, p.open)
	}
}

// minPayeesSweep is how many apps are indexed before the indexes of apps
// with no paying buyer are let go.
const minPayeesSweep = 1024

// sweepPayees lets go of the indexes of apps with no paying buyer once the
// apps indexed double (at least minPayeesSweep): each transfer of a new
// merchant an authorisation made up indexes one, and one with no buyer
// holds nothing a new walk would not find. Amortised, a sweep passes each
// index kept once. The lock is held.
func (b *Book) sweepPayees() {
	if len(b.payees) < max(b.payeesSweep, minPayeesSweep) {
		return
	}
	for app, a := range b.payees {
		if len(a.users) == 0 {
			delete(b.payees, app)
		}
	}
	b.payeesSweep = 2 * len(b.payees)
}

// Identity kinds a known buyer is found by (PaidBuyer).
const (
	ByUserID  = "user_id"
	ByAccount = "account"
	ByOpenID  = "open_id"
)

// PaidBuyer is the buyer of one of app's kept paid trades that the
// identity names (a user id, the logon account paid with, or the open id
// for the app), from an index kept as trades change: no walk after the
// app's first lookup (until a reset of the app). Of several, the lowest
// user id; its account is the lowest logon account (bytewise) it paid
// with, "" for none: the same every call, and --store's rule
// (pgstore.DB.PaidBuyer).
func (b *Book) PaidBuyer(app, kind, identity string) (fixtures.Buyer, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	a := b.payees[app]
	if a == nil { // the app's first lookup: index it, then keep it
		b.sweepPayees()
		a = &appPayees{users: map[string]*payee{}, accounts: map[string]map[*payee]int32{}, more: map[*payee][]string{}, opens: map[uint64]*payee{}}
		b.payees[app] = a
		for c := b.byApp[app].oldest(); c != nil; c = c.appNext { // its own trades, oldest first
			a.steps++
			// Read, not warmed: the payee mark is the cell's, so nothing
			// is written back and no decoded copy is kept.
			t := b.view(c)
			t.c = c
			b.countPayee(t)
		}
	}
	var p *payee
	switch kind {
	case ByUserID:
		p = a.users[identity]
	case ByAccount:
		for q := range a.accounts[identity] { // of the buyers who paid with it, the lowest user id
			if p == nil || q.user < p.user {
				p = q
			}
		}
	case ByOpenID:
		// A hash hit is checked: a colliding open id names nobody known.
		if p = a.opens[openHash(identity)]; p != nil && fixtures.OpenID(app, p.user) != identity {
			p = nil
		}
	}
	if p == nil || p.n <= 0 {
		return fixtures.Buyer{}, false
	}
	return fixtures.Buyer{UserID: p.user, Name: p.name, Account: p.account}, true
}
