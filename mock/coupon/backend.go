package coupon

import (
	"errors"
	"time"

	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// Backend is a database that holds the truth about red packets and claims
// for several mock processes at once, as trade.Backend does for trades:
// each operation locks the orders it reads, applies the book's rules to
// fresh copies and writes them back in one transaction, so a packet never
// pays out more than it holds and out_order_no stays unique per app,
// across replicas.
type Backend interface {
	Begin() (Tx, error)
	Reset(app string) error
	// Page, Counts and Due are trade.Backend's, for orders: counts of
	// red packets by status and of claims.
	Page(app string, status OrderStatus, at uint64, limit int, newest bool) ([]Order, []uint64, error)
	Counts() (packets map[OrderStatus]int, claims int, err error)
	Due(now time.Time, max int) ([]string, error)
}

// Tx is one operation's transaction (see trade.Tx).
type Tx interface {
	Lock(keys []Key) ([]Order, error)
	Insert([]Order) error // ErrConflict on a unique key
	Update([]Order) error // ErrConflict when one changed since it was read
	Commit() error
	Rollback()
}

// UntoldTx is a Tx that marks events untold in its own transaction
// (trade.UntoldTx).
type UntoldTx interface {
	MarkUntold([]Untold) error
}

// ErrConflict is a Tx's answer when another replica's write came first.
var ErrConflict = errors.New("coupon: conflicting write")

// Key names orders an operation reads: by auth_no, by App's out_order_no,
// by cashier token, by Any (auth_no or out_order_no, of App or of every
// app when App is empty). Lists and counts do not lock: see Backend.Page.
type Key struct {
	App, AuthNo, OutOrderNo, Token, Any string
}

// Use makes a backend the truth from now on; call it before the book is
// used, instead of Persist.
func (b *Book) Use(be Backend) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.backend = be
}

// commitOn is commit for an operation on the orders keys name; with a
// backend it runs in a database transaction, again after a conflict.
func (b *Book) commitOn(keys []Key, f func(now time.Time) ([]change, error)) error {
	if b.backend == nil {
		return b.commit(f)
	}
	for try := 0; ; try++ {
		err, retry := b.commitTx(keys, f)
		if !retry || try == 8 {
			return err
		}
	}
}

func (b *Book) commitTx(keys []Key, f func(now time.Time) ([]change, error)) (err error, retry bool) {
	tx, err := b.backend.Begin()
	if err != nil {
		return trade.StoreFailed(err), false
	}
	rows, err := tx.Lock(keys)
	if err != nil {
		tx.Rollback()
		return trade.StoreFailed(err), errors.Is(err, ErrConflict)
	}
	b.mu.Lock()
	loaded := b.install(keys, rows)
	ch, ferr := f(b.clock.Now())
	b.recount(ch)
	var inserts, updates []Order
	seen := map[string]bool{}
	for _, c := range ch {
		o := b.byAuth[c.o.AuthNo]
		if o == nil || seen[o.AuthNo] {
			continue
		}
		seen[o.AuthNo] = true
		if loaded[o.AuthNo] {
			updates = append(updates, o.clone())
		} else {
			inserts = append(inserts, o.clone())
		}
	}
	untold := b.untold(ch)
	b.noteFinal(ch)
	evicted := b.evict() // from memory only
	obs, onEvict := b.observer, b.onEvict
	b.mu.Unlock()

	if len(inserts) > 0 {
		err = tx.Insert(inserts)
	}
	if err == nil && len(updates) > 0 {
		err = tx.Update(updates)
	}
	if m, ok := tx.(UntoldTx); ok && err == nil && len(untold) > 0 {
		err = m.MarkUntold(untold)
	}
	if err == nil {
		err = tx.Commit()
	} else {
		tx.Rollback()
	}
	if err != nil {
		b.mu.Lock()
		for _, o := range append(inserts, updates...) {
			if m := b.byAuth[o.AuthNo]; m != nil {
				b.remove(m)
			}
		}
		b.mu.Unlock()
		if errors.Is(err, ErrBalanceNotEnough) { // the merchant's balance refused what it funds: nothing written
			return ErrBalanceNotEnough, false
		}
		return trade.StoreFailed(err), errors.Is(err, ErrConflict)
	}
	if obs != nil {
		for _, c := range ch {
			if oerr := obs(c.o, c.e); oerr != nil && ferr == nil {
				ferr = trade.ErrStore // the change is stored, what it made is not
			}
		}
	}
	if onEvict != nil && len(evicted) > 0 {
		onEvict(evicted)
	}
	return ferr, false
}

// install refreshes the book's copies from rows, drops copies of what keys
// name that the database does not hold, and returns the auth_nos loaded.
// The lock is held.
func (b *Book) install(keys []Key, rows []Order) map[string]bool {
	got := make(map[string]bool, len(rows))
	for i := range rows {
		r := rows[i]
		got[r.AuthNo] = true
		if old := b.byAuth[r.AuthNo]; old != nil {
			seq, wasFinal, counted := old.seq, old.Final(), old.counted
			*old = r
			old.seq, old.counted = seq, counted // the book's own bookkeeping
			b.recount([]change{{o: *old}})
			if !wasFinal && old.Final() {
				b.ledger.Final(seq)
			}
			continue
		}
		if o := b.byOut[key{r.AppID, r.OutOrderNo}]; o != nil {
			b.remove(o)
		}
		o := &r
		b.add(o)
		if o.Final() {
			b.ledger.Final(o.seq)
		}
	}
	for _, k := range keys {
		for _, o := range b.copies(k) {
			if !got[o.AuthNo] {
				b.remove(o)
			}
		}
	}
	return got
}

// copies are the book's copies of what k names; the lock is held.
func (b *Book) copies(k Key) []*Order {
	var out []*Order
	add := func(o *Order) {
		if o != nil {
			out = append(out, o)
		}
	}
	switch {
	case k.AuthNo != "":
		add(b.byAuth[k.AuthNo])
	case k.OutOrderNo != "":
		add(b.byOut[key{k.App, k.OutOrderNo}])
	case k.Token != "":
		add(b.byPage[k.Token])
	case k.Any != "":
		add(b.byAuth[k.Any])
		for kk, o := range b.byOut {
			if kk.out == k.Any && (k.App == "" || kk.app == k.App) {
				out = append(out, o)
			}
		}
	}
	return out
}

// maxDue is trade's: how many orders past a deadline a list or count
// settles before it reads (the replicas' sweep does the rest).
const maxDue = 256

func (b *Book) settleDue() {
	due, err := b.backend.Due(b.clock.Now(), maxDue)
	if err != nil {
		return
	}
	for _, no := range due {
		b.Settle(no)
	}
}

// pageShared is Page with a backend: one indexed read of the page in the
// database's order (see trade.Book.pageShared).
func (b *Book) pageShared(app string, status OrderStatus, at uint64, limit int, newest bool) ([]Order, uint64, error) {
	b.settleDue()
	n := limit
	if limit > 0 {
		n = limit + 1
	}
	os, pos, err := b.backend.Page(app, status, at, n, newest)
	if err != nil {
		return nil, 0, err // not an empty list: the database did not answer
	}
	var next uint64
	if limit > 0 && len(os) > limit {
		os, next = os[:limit], pos[limit-1]
	}
	for i := range os {
		os[i].seq = pos[i]
	}
	if os == nil {
		os = []Order{}
	}
	return os, next, nil
}

// countsShared is Counts with a backend: the database's counters.
func (b *Book) countsShared() (packets map[OrderStatus]int, claims int, err error) {
	b.settleDue()
	packets, claims, err = b.backend.Counts()
	if err != nil {
		return nil, 0, err // not zero: the database did not answer
	}
	if packets == nil {
		packets = map[OrderStatus]int{}
	}
	return packets, claims, nil
}
