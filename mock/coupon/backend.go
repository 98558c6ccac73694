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
}

// Tx is one operation's transaction (see trade.Tx).
type Tx interface {
	Lock(keys []Key) ([]Order, error)
	Insert([]Order) error // ErrConflict on a unique key
	Update([]Order) error // ErrConflict when one changed since it was read
	Commit() error
	Rollback()
}

// ErrConflict is a Tx's answer when another replica's write came first.
var ErrConflict = errors.New("coupon: conflicting write")

// Key names orders an operation reads: by auth_no, by App's out_order_no,
// by cashier token, by Any (auth_no or out_order_no, of App or of every
// app when App is empty), or All.
type Key struct {
	App, AuthNo, OutOrderNo, Token, Any string
	All                                 bool
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
		return trade.ErrStore, false
	}
	rows, err := tx.Lock(keys)
	if err != nil {
		tx.Rollback()
		return trade.ErrStore, errors.Is(err, ErrConflict)
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
		return trade.ErrStore, errors.Is(err, ErrConflict)
	}
	if obs != nil {
		for _, c := range ch {
			obs(c.o, c.e)
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
	case k.All:
		for _, o := range b.byAuth {
			out = append(out, o)
		}
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

// pageShared is Page with a backend: every stored order is read in one
// transaction (what the clock settled is written back) and the page is
// taken there, before eviction trims the book's copies.
func (b *Book) pageShared(app string, status OrderStatus, at uint64, limit int, newest bool) ([]Order, uint64) {
	out := []Order{}
	var next uint64
	_ = b.commitOn([]Key{{All: true}}, func(now time.Time) ([]change, error) {
		out, next = out[:0], 0 // f runs again on a conflict
		var all []change
		b.ledger.Walk(at, newest, func(_ uint64, o *Order) bool {
			all = append(all, b.settle(o, now)...)
			if (app != "" && o.AppID != app) || (status != "" && o.Status != status) {
				return true
			}
			if limit > 0 && len(out) == limit {
				next = out[len(out)-1].seq
				return false
			}
			out = append(out, o.clone())
			return true
		})
		return all, nil
	})
	return out, next
}

// countsShared is Counts with a backend, over every stored order.
func (b *Book) countsShared() (packets map[OrderStatus]int, claims int) {
	_ = b.commitOn([]Key{{All: true}}, func(now time.Time) ([]change, error) {
		packets, claims = map[OrderStatus]int{}, 0
		var all []change
		for _, o := range b.byAuth {
			all = append(all, b.settle(o, now)...)
			if o.Claim {
				claims++
			} else {
				packets[o.Status]++
			}
		}
		return all, nil
	})
	if packets == nil { // the database did not answer
		packets = map[OrderStatus]int{}
	}
	return packets, claims
}
