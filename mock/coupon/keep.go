// The red-packet book keeps, evicts and pages its orders as the trade book
// does its trades (mock/trade/keep.go); what they share is limits.Ledger's.

package coupon

import "time"

// DefaultKeep is how many orders the mock keeps unless told otherwise.
const DefaultKeep = 100_000

// OnEvict registers a function told, outside the book's lock, about the
// orders eviction dropped (the mock cancels their scheduled deadlines).
func (b *Book) OnEvict(f func([]Order)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.onEvict = f
}

// Len is how many orders (red packets and claims) the book holds.
func (b *Book) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.byAuth)
}

// Keep is the most orders the book holds; 0 is no limit.
func (b *Book) Keep() int { return b.opts.Keep }

// add files a new order under its keys and at the end of the order.
func (b *Book) add(o *Order) {
	o.seq = b.ledger.Add(o)
	b.byAuth[o.AuthNo] = o
	b.byOut[key{o.AppID, o.OutOrderNo}] = o
	if !o.Claim {
		b.byPage[o.CashierToken] = o
	}
}

// noteFinal queues the orders that changes made final. The lock is held.
func (b *Book) noteFinal(changes []change) {
	for _, c := range changes {
		if o := b.byAuth[c.o.AuthNo]; o != nil && o.Final() {
			b.ledger.Final(o.seq)
		}
	}
}

// evict drops orders while the book holds more than Keep: those that
// became final longest ago first, then the oldest. With a store, they are
// deleted from it too. The lock is held.
func (b *Book) evict() []Order {
	out := clones(b.ledger.Evict(b.opts.Keep, b.remove))
	if b.store != nil && len(out) > 0 {
		_ = b.store.RemoveOrders(out) // the store reports failures
	}
	return out
}

// remove takes an order out of every index. The lock is held.
func (b *Book) remove(o *Order) {
	if b.byAuth[o.AuthNo] == o {
		delete(b.byAuth, o.AuthNo)
	}
	if k := (key{o.AppID, o.OutOrderNo}); b.byOut[k] == o {
		delete(b.byOut, k)
	}
	if o.CashierToken != "" && b.byPage[o.CashierToken] == o {
		delete(b.byPage, o.CashierToken)
	}
	b.ledger.Remove(o.seq)
}

// Page returns up to limit orders of app (every app when empty) with
// status (any when empty) made after the order at position at (0: from
// the first), oldest first, or with newest made before it, newest first;
// and the position to pass as at for the next page: 0 when there is
// none. Orders are settled as they are read.
func (b *Book) Page(app string, status OrderStatus, at uint64, limit int, newest bool) ([]Order, uint64) {
	out := []Order{}
	var next uint64
	_ = b.commitOn([]Key{{All: true}}, func(now time.Time) ([]change, error) {
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

// Counts is the number of red packets in each status, and of claims.
func (b *Book) Counts() (packets map[OrderStatus]int, claims int) {
	packets = map[OrderStatus]int{}
	_ = b.commitOn([]Key{{All: true}}, func(now time.Time) ([]change, error) {
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
	return packets, claims
}

// Claims returns the claims paid out of the red packet authNo of app,
// oldest first.
func (b *Book) Claims(app, authNo string) []Order {
	var out []Order
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ledger.Each(0, func(_ uint64, o *Order) bool {
		if o.Claim && o.AppID == app && o.DeductAuthNo == authNo {
			out = append(out, o.clone())
		}
		return true
	})
	return out
}
