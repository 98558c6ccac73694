package coupon

import (
	"encoding/json"

	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// Store is where a book writes its orders through when persistence is on,
// before the call that changed them returns.
type Store interface {
	PutOrders([]Order) error
	DeleteOrders(app string) error // "" deletes every order
}

// Persist makes the book write every change through s from now on.
func (b *Book) Persist(s Store) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.store = s
}

// Restore puts stored orders back, without telling the observer. A red
// packet stored before packets had a cashier token gets one for this run.
func (b *Book) Restore(orders []Order) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range orders {
		o := orders[i].clone()
		b.byAuth[o.AuthNo] = &o
		b.byOut[key{o.AppID, o.OutOrderNo}] = &o
		if !o.Claim {
			if o.CashierToken == "" {
				o.CashierToken = b.ids.Secret()
			}
			b.byPage[o.CashierToken] = &o
		}
	}
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
}

// Marshal encodes an order for a store, private state included.
func Marshal(o Order) ([]byte, error) {
	r := record{Order: o}
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
	for i := range r.Operations {
		if i < len(r.Fingerprints) {
			r.Operations[i].fingerprint = r.Fingerprints[i]
		}
	}
	return r.Order, nil
}
