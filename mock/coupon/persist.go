package coupon

import (
	"encoding/json"
	"time"

	"github.com/alipay-mock/alipay-mock/mock/limits"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// Store is where a book writes its orders through when persistence is on,
// before the call that changed them returns.
type Store interface {
	PutOrders([]Order) error
	DeleteOrders(app string) error // "" deletes every order
	RemoveOrders([]Order) error    // the orders eviction dropped
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
	}
	if b.store != nil && len(legacy) > 0 {
		_ = b.store.PutOrders(clones(legacy)) // the store reports failures
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

// write stores the current state of the orders that changes touched; the
// lock is held.
func (b *Book) write(changes []change) error {
	if b.store == nil || len(changes) == 0 {
		return nil
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
	if err := b.store.PutOrders(put); err != nil {
		return trade.ErrStore
	}
	return nil
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
