package trade

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/mock/limits"
)

// Store is where a book writes its trades through when persistence is on.
// The book queues its changes under its lock, in the order it makes them,
// and waits for them to be on disk after letting go of it, before the call
// that made them returns: what a caller was told happened survives a
// crash, and callers share fsyncs (mock/store's group commit).
type Store interface {
	// PutTrades queues trades to be written (a later call's state of a
	// trade wins) and returns a wait for them to be on disk.
	// untold are events to mark untold in the same commit
	// (ObserveStored).
	PutTrades(ts []Trade, untold ...Untold) (wait func() error)
	DeleteTrades(app string) error // "" deletes every trade; waits
	RemoveTrades([]Trade) error    // the trades eviction dropped; queued
	// Sync waits for everything queued so far to be on disk.
	Sync() error
}

// ErrStore is the answer when a change could not be written: the result is
// unknown to the caller, as Alipay's 20000 says, and a query tells.
var ErrStore = apierr.SystemBusy()

// StoreFailed is ErrStore carrying the store's own error: the gateway
// answers ErrStore, the control API names err (errors.Is(e, ErrStore)).
func StoreFailed(err error) error { return storeFailed{err} }

// StoreFailedUnlessAnswer is StoreFailed for a store's error that is not
// already an Alipay answer (an *apierr.Error, e.g. a code another replica
// spent first, passes as it is); nil stays nil.
func StoreFailedUnlessAnswer(err error) error {
	var ae *apierr.Error
	if err == nil || errors.As(err, &ae) {
		return err
	}
	return StoreFailed(err)
}

type storeFailed struct{ err error }

func (e storeFailed) Error() string   { return e.err.Error() }
func (e storeFailed) Unwrap() []error { return []error{ErrStore, e.err} }

// Persist makes the book write every change through s from now on.
func (b *Book) Persist(s Store) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.store = s
}

// Restore puts stored trades back in the order they were made, without
// telling the observer, and evicts past Keep and KeepBytes (from the store too, when
// persistence is on). It returns the trades kept. Trades stored before
// they were numbered are numbered now, oldest first, and written back. A trade stored before trades had a cashier token gets one,
// written with the next change.
func (b *Book) Restore(ts []Trade) []Trade {
	b.mu.Lock()
	list := make([]*cell, 0, len(ts))
	for i := range ts {
		t := ts[i].clone()
		if old := b.warm(b.byNo[t.TradeNo]); old != nil {
			b.remove(old)
		}
		list = append(list, b.newCell(&t))
	}
	legacy := b.ledger.Restore(list, tradeRecord)
	for _, c := range list {
		t := c.hot
		t.seq = c.seq
		if t.CashierToken == "" {
			t.CashierToken = b.ids.Secret()
			b.touched = append(b.touched, t.TradeNo)
		}
		b.index(t)
		b.refairAs(t, false)
	}
	b.ledger.EachFinal(func(seq uint64) { // in the order they became final
		if c, ok := b.ledger.Get(seq); ok {
			b.refair(b.warm(c))
		}
	})
	if b.store != nil && len(legacy) > 0 {
		b.store.PutTrades(b.clones(legacy)) // queued; the store reports failures
	}
	evicted, earlier := b.trim()
	kept := b.clones(b.ledger.Values())
	onEvict, onEarlier := b.onEvict, b.onEarlier
	b.mu.Unlock()
	if onEvict != nil && len(evicted) > 0 {
		onEvict(evicted)
	}
	if earlier && onEarlier != nil {
		onEarlier()
	}
	return kept
}

// tradeRecord is what the ledger needs to put stored trades back.
var tradeRecord = limits.Record[*cell]{
	Seq:     func(c *cell) *uint64 { c.seq = c.hot.seq; return &c.seq },
	Created: func(c *cell) time.Time { return c.hot.Created },
	ID:      func(c *cell) string { return c.hot.TradeNo },
	Final: func(c *cell) (time.Time, bool) {
		t := c.hot
		if n := len(t.History); n > 0 {
			return t.History[n-1].At, t.Final()
		}
		return t.Created, t.Final()
	},
}

// clones are copies of the cells' trades; the lock is held.
func (b *Book) clones(cs []*cell) []Trade {
	out := make([]Trade, len(cs))
	for i, c := range cs {
		out[i] = b.view(c).clone()
	}
	return out
}

// durable is the wait of a commit that wrote nothing.
func durable() error { return nil }

// write queues the current state of the trades that changes touched; the
// lock is held. The commit calls what it returns once the lock is let go:
// it waits until the change is on disk. A commit that changed nothing
// still waits for what was queued before it, so nobody reads a state that
// is not yet on disk.
func (b *Book) write(changes []change) (wait func() error) {
	nos := b.touched
	b.touched = nil
	for _, c := range changes {
		nos = append(nos, c.t.TradeNo)
	}
	if b.store == nil {
		return durable
	}
	if len(nos) == 0 {
		s := b.store
		return func() error { _ = s.Sync(); return nil } // a read: the writer answers for failures
	}
	seen := map[string]bool{}
	var ts []Trade
	for _, no := range nos {
		if seen[no] {
			continue
		}
		seen[no] = true
		if t := b.warm(b.byNo[no]); t != nil {
			ts = append(ts, t.clone())
		}
	}
	w := b.store.PutTrades(ts, b.untold(changes)...)
	return func() error {
		if err := w(); err != nil {
			return StoreFailed(err)
		}
		return nil
	}
}

// untold are the events of changes to mark untold in their commit
// (ObserveStored); the lock is held.
func (b *Book) untold(changes []change) []Untold {
	var untold []Untold
	if b.tells != nil {
		for _, c := range changes {
			if i, ok := EventIndex(c.t, c.e); ok && b.tells(c.t, c.e) {
				untold = append(untold, Untold{AppID: c.t.AppID, TradeNo: c.t.TradeNo, Event: i})
			}
		}
	}
	return untold
}

// Untold is an event of a stored trade whose observer has not yet stored
// what it makes of it (a notification): marked in the trade's commit,
// cleared in the observer's.
type Untold struct {
	AppID, TradeNo string
	Event          int // the event's index in the trade's History
}

// EventIndex is where e stands in t's History (the last such event):
// t is the trade as the event left it, so it is its last event but in
// a change that made several.
func EventIndex(t Trade, e Event) (int, bool) {
	for i := len(t.History) - 1; i >= 0; i-- {
		if t.History[i] == e {
			return i, true
		}
	}
	return 0, false
}

// AsOf is t as its event i left it, for a notification made again after
// a crash: the history up to the event, the status it recorded, the
// refunds and settlements made by then (one per refunded or settled
// event), no gmt_close unless it was closed by then. Other fields are as
// stored.
func (t Trade) AsOf(i int) Trade {
	c := t.clone()
	c.History = c.History[:i+1]
	c.Status = c.History[i].Status
	n, settled := 0, 0
	for _, e := range c.History {
		switch e.Type {
		case EventRefunded:
			n++
		case EventSettled:
			settled++
		}
	}
	if n < len(c.Refunds) {
		c.Refunds = c.Refunds[:n]
	}
	if settled < len(c.Settlements) {
		c.Settlements = c.Settlements[:settled]
	}
	if c.Status != Closed {
		c.Closed = nil
	}
	return c
}

// record is a trade as stored: its fields and the fingerprint of the
// request that made it, which idempotent repeats are compared with.
type record struct {
	Trade
	Fingerprint string `json:"fingerprint,omitempty"`
	Seq         uint64 `json:"seq,omitempty"`
}

// Marshal encodes a trade for a store, private state included.
func Marshal(t Trade) ([]byte, error) {
	return json.Marshal(record{Trade: t, Fingerprint: t.fingerprintOf(), Seq: t.seq})
}

// Unmarshal decodes what Marshal wrote.
func Unmarshal(b []byte) (Trade, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return Trade{}, err
	}
	r.Trade.seq = r.Seq
	if r.Fingerprint != r.Trade.fingerprintOf() {
		r.Trade.fingerprint = r.Fingerprint // kept only when it is not the trade's own
	}
	return r.Trade, nil
}
