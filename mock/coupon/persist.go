package coupon

import (
	"encoding/json"
	"time"

	"github.com/alipay-mock/alipay-mock/mock/limits"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// Store is where a book writes its orders through when persistence is on:
// queued under the book's lock, waited for outside it, before the call
// that changed them returns (as trade.Store).
type Store interface {
	// PutOrders queues orders to be written (a later call's state of an
	// order wins) and returns a wait for them to be on disk.
	// untold are events to mark untold in the same commit
	// (ObserveStored).
	PutOrders(os []Order, untold ...Untold) (wait func() error)
	DeleteOrders(app string) error // "" deletes every order; waits
	RemoveOrders([]Order) error    // the orders eviction dropped; queued
	// Sync waits for everything queued so far to be on disk.
	Sync() error
}

// Persist makes the book write every change through s from now on.
func (b *Book) Persist(s Store) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.store = s
}

// Restore mirrors the trade book's (mock/trade/persist.go) for red packets: the
// ordering, numbering and final-queueing they share is limits.Ledger.Restore;
// what stays here is the book's own indexes and types.
//
// Restore puts stored orders back in the order they were made, without
// telling the observer, and evicts past Keep (from the store too, when
// persistence is on). It returns the orders kept. Orders stored before
// they were numbered are numbered now, oldest first, and written back. A red packet stored before packets had a cashier token
// gets one for this run.
func (b *Book) Restore(orders []Order) []Order {
	b.mu.Lock()
	list := make([]*Order, 0, len(orders))
	for i := range orders {
		o := orders[i].clone()
		if old := b.byAuth[o.AuthNo]; old != nil {
			b.remove(old)
		}
		list = append(list, &o)
	}
	legacy := b.ledger.Restore(list, orderRecord)
	for _, o := range list {
		if !o.Claim && o.CashierToken == "" {
			o.CashierToken = b.ids.Secret()
		}
		b.index(o)
		b.refairAs(o, false)
	}
	b.ledger.EachFinal(func(seq uint64) { // in the order they became final
		if o, ok := b.ledger.Get(seq); ok {
			b.refair(o)
		}
	})
	if b.store != nil && len(legacy) > 0 {
		b.store.PutOrders(clones(legacy)) // queued; the store reports failures
	}
	evicted := b.evict()
	kept := clones(b.ledger.Values())
	onEvict := b.onEvict
	b.mu.Unlock()
	if onEvict != nil && len(evicted) > 0 {
		onEvict(evicted)
	}
	return kept
}

// orderRecord is what the ledger needs to put stored orders back.
var orderRecord = limits.Record[*Order]{
	Seq:     func(o *Order) *uint64 { return &o.seq },
	Created: func(o *Order) time.Time { return o.Created },
	ID:      func(o *Order) string { return o.AuthNo },
	Final: func(o *Order) (time.Time, bool) {
		if n := len(o.History); n > 0 {
			return o.History[n-1].At, o.Final()
		}
		return o.Created, o.Final()
	},
}

func clones(os []*Order) []Order {
	out := make([]Order, len(os))
	for i, o := range os {
		out[i] = o.clone()
	}
	return out
}

// write queues the current state of the orders that changes touched; the
// lock is held. The commit calls what it returns once the lock is let go:
// it waits until the change is on disk (a commit that changed nothing
// waits for what was queued before it, so nobody reads a state not yet on
// disk).
func (b *Book) write(changes []change) (wait func() error) {
	if b.store == nil {
		return func() error { return nil }
	}
	if len(changes) == 0 {
		s := b.store
		return func() error { _ = s.Sync(); return nil } // a read: the writer answers for failures
	}
	seen := map[string]bool{}
	var put []Order
	for _, c := range changes {
		if seen[c.o.AuthNo] {
			continue
		}
		seen[c.o.AuthNo] = true
		if o := b.byAuth[c.o.AuthNo]; o != nil {
			put = append(put, o.clone())
		}
	}
	w := b.store.PutOrders(put, b.untold(changes)...)
	return func() error {
		if err := w(); err != nil {
			return trade.StoreFailed(err)
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
			if i, ok := EventIndex(c.o, c.e); ok && b.tells(c.o, c.e) {
				untold = append(untold, Untold{AppID: c.o.AppID, AuthNo: c.o.AuthNo, Event: i})
			}
		}
	}
	return untold
}

// Untold is an event of a stored order whose observer has not yet stored
// what it makes of it (a notification): marked in the order's commit,
// cleared in the observer's.
type Untold struct {
	AppID, AuthNo string
	Event         int // the event's index in the order's History
}

// EventIndex is where e stands in o's History (the last such event).
func EventIndex(o Order, e Event) (int, bool) {
	for i := len(o.History) - 1; i >= 0; i-- {
		if o.History[i] == e {
			return i, true
		}
	}
	return 0, false
}

// AsOf is o as its event i left it, for a notification made again after
// a crash (as trade.Trade.AsOf): the history up to the event, the status
// it recorded, the operations made by then (an operation completed later
// still processing), and what was left in the red packet then. Other
// fields are as stored.
func (o Order) AsOf(i int) Order {
	c := o.clone()
	c.History = c.History[:i+1]
	c.Status = c.History[i].Status
	made := map[string]bool{} // operations made by event i
	done := map[string]int{}  // index of each operation's last event (its success)
	for j, e := range o.History {
		switch e.Type {
		case EventPaid, EventClaimed, EventRefunded, EventCompleted:
			done[e.OperationID] = j
		}
		if j <= i {
			made[e.OperationID] = true
		}
	}
	paid := false
	for _, e := range c.History {
		if e.Type == EventPaid {
			paid = true
		}
	}
	// What was left then is what is left now plus what each later event
	// took out: counted back from the stored balance, as an earlier
	// release's claimed events carry no Amount. Only this version marks
	// events, and it writes the Amount of every claim, so each event after
	// a marked one has its amount.
	rest := o.Rest
	for _, e := range o.History[i+1:] {
		switch e.Type {
		case EventClaimed:
			rest += e.Amount
		case EventRefunded:
			if op := o.Op(e.OperationID); op != nil {
				rest += op.Amount
			}
		}
	}
	ops := c.Operations[:0]
	for _, op := range c.Operations {
		if !made[op.OperationID] {
			continue
		}
		if j, ok := done[op.OperationID]; ok && j > i && op.Status == OpSuccess {
			op.Status, op.Trans = OpInit, nil
		}
		ops = append(ops, op)
	}
	c.Operations = ops
	if !o.Claim {
		c.Rest = 0
		if paid {
			c.Rest = rest
		} else {
			c.Paid = nil
		}
	}
	if c.Status != OrderAuthorized {
		c.RefundAt = nil
	}
	return c
}

// record is an order as stored, with the fingerprints of the requests
// behind its operations.
type record struct {
	Order
	Fingerprints []string `json:"fingerprints,omitempty"`
	Seq          uint64   `json:"seq,omitempty"`
}

// Marshal encodes an order for a store, private state included.
func Marshal(o Order) ([]byte, error) {
	r := record{Order: o, Seq: o.seq}
	for _, op := range o.Operations {
		r.Fingerprints = append(r.Fingerprints, op.fingerprint)
	}
	return json.Marshal(r)
}

// Unmarshal decodes what Marshal wrote.
func Unmarshal(b []byte) (Order, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return Order{}, err
	}
	r.Order.seq = r.Seq
	for i := range r.Operations {
		if i < len(r.Fingerprints) {
			r.Operations[i].fingerprint = r.Fingerprints[i]
		}
	}
	return r.Order, nil
}
