// The red-packet book keeps, evicts and pages its orders as the trade book
// does its trades (mock/trade/keep.go); what they share is limits.Ledger's.

package coupon

import (
	"sort"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/mock/limits"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// DefaultKeep is how many orders the mock keeps unless told otherwise.
const DefaultKeep = 100_000

// Limits of what one red packet keeps (the mock's, to bound memory: every
// claim and refund grows the packet's record, which each call re-encodes
// and --data and --store write whole). No source found gives production's
// numbers, so both are inferred; the call past one answers
// INVALID_PARAMETER, as a trade's refund past trade.MaxRefunds does, and a
// repeat of an operation already made is still answered.
const (
	MaxClaims  = 100              // claims (disburse) paid out of one red packet
	MaxRefunds = trade.MaxRefunds // the merchant's refunds of one red packet; Alipay's automatic return is one more
)

// claims is how many claims were paid out of the red packet o: its
// history's, which travels with it to --data and --store (the book's
// index of claims loses those evicted).
func (o *Order) claims() int {
	n := 0
	for _, e := range o.History {
		if e.Type == EventClaimed {
			n++
		}
	}
	return n
}

// refunds is how many refunds the merchant made of the red packet o.
func (o *Order) refunds() int {
	n := 0
	for _, op := range o.Operations {
		if op.Type == Refund && !op.Auto {
			n++
		}
	}
	return n
}

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
	b.index(o)
	b.refair(o)
}

// Unpaid reports whether o is a red packet no sender acted on (INIT, or
// CLOSED unpaid, and neither an agreement pay, which its sender paid
// when the merchant made it, nor one with a payer named or a pay under
// way): it moved no money, and another site's red-packet page pay forms
// can open it. An agreement pay still processing (10003, INIT) is paid.
func (o *Order) Unpaid() bool {
	if o.Claim || (o.Status != OrderInit && o.Status != OrderClosed) || o.Method == AgreementPay {
		return false
	}
	if o.Payer.UserID != "" || o.Payer.LogonID != "" {
		return false
	}
	return len(o.Operations) == 0 || o.Operations[0].DoneAt == nil
}

// refair files o for eviction (limits.Fair): a red packet no sender paid
// in the class that goes first, each class by app. The lock is held.
func (b *Book) refair(o *Order) { b.refairAs(o, o.Final()) }

// refairAs is refair with final given (a restore queues the final ones
// after, in the order they became final). The lock is held.
func (b *Book) refairAs(o *Order, final bool) {
	class := 1
	if o.Unpaid() {
		class = 0
	}
	b.fair.Set(o.seq, o.AppID, class, final)
}

// index files an order under its keys and counts it. The lock is held.
func (b *Book) index(o *Order) {
	b.byAuth[o.AuthNo] = o
	k := key{o.AppID, o.OutOrderNo}
	if old := b.byOut[k]; old != nil && old != o {
		b.byOutNo[o.OutOrderNo] = without(b.byOutNo[o.OutOrderNo], old)
	}
	b.byOut[k] = o
	b.byOutNo[o.OutOrderNo] = append(b.byOutNo[o.OutOrderNo], o)
	if o.Claim {
		b.claims[o.DeductAuthNo] = append(b.claims[o.DeductAuthNo], o)
		b.nclaims++
	} else {
		b.byPage[o.CashierToken] = o
		o.counted = o.Status
		b.counts[o.Status]++
		b.countOutlay(o)
	}
}

// countOutlay brings the outlays to what o keeps out of its merchant's
// balance now. The lock is held.
func (b *Book) countOutlay(o *Order) {
	d := o.MerchantOutlay() - o.countedOut
	if d == 0 {
		return
	}
	b.outMu.Lock()
	defer b.outMu.Unlock()
	if b.outlays[o.AppID] += d; b.outlays[o.AppID] == 0 {
		delete(b.outlays, o.AppID)
	}
	o.countedOut += d
}

// Outlay is what the red packets app's merchant funded keep out of its
// balance (Order.MerchantOutlay), summed as they change. It takes only
// the outlays' own lock: the fund book reads it while red-packet
// operations hold the book's.
func (b *Book) Outlay(app string) amount.Amount {
	b.outMu.Lock()
	defer b.outMu.Unlock()
	return b.outlays[app]
}

// unindex takes an order out of its keys and counts. The lock is held.
func (b *Book) unindex(o *Order) {
	b.fair.Remove(o.seq)
	if b.byAuth[o.AuthNo] == o {
		delete(b.byAuth, o.AuthNo)
	}
	if k := (key{o.AppID, o.OutOrderNo}); b.byOut[k] == o {
		delete(b.byOut, k)
	}
	if l := without(b.byOutNo[o.OutOrderNo], o); len(l) > 0 {
		b.byOutNo[o.OutOrderNo] = l
	} else {
		delete(b.byOutNo, o.OutOrderNo)
	}
	if o.Claim {
		if l := without(b.claims[o.DeductAuthNo], o); len(l) > 0 {
			b.claims[o.DeductAuthNo] = l
		} else {
			delete(b.claims, o.DeductAuthNo)
		}
		b.nclaims--
		return
	}
	if o.CashierToken != "" && b.byPage[o.CashierToken] == o {
		delete(b.byPage, o.CashierToken)
	}
	if o.countedOut != 0 {
		b.outMu.Lock()
		if b.outlays[o.AppID] -= o.countedOut; b.outlays[o.AppID] == 0 {
			delete(b.outlays, o.AppID)
		}
		b.outMu.Unlock()
		o.countedOut = 0
	}
	if b.counts[o.counted]--; b.counts[o.counted] <= 0 {
		delete(b.counts, o.counted)
	}
}

// without is l without o, in order.
func without(l []*Order, o *Order) []*Order {
	out := l[:0]
	for _, x := range l {
		if x != o {
			out = append(out, x)
		}
	}
	return out
}

// recount moves the red packets changes touched to the counters of their
// status now. The lock is held.
func (b *Book) recount(changes []change) {
	for _, c := range changes {
		if o := b.byAuth[c.o.AuthNo]; o != nil {
			b.refair(o)
		}
		if o := b.byAuth[c.o.AuthNo]; o != nil && !o.Claim && o.counted != o.Status {
			if b.counts[o.counted]--; b.counts[o.counted] <= 0 {
				delete(b.counts, o.counted)
			}
			b.counts[o.Status]++
			o.counted = o.Status
		}
		if o := b.byAuth[c.o.AuthNo]; o != nil && !o.Claim {
			b.countOutlay(o)
		}
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

// evict drops orders in limits.Fair's order while the red packets no
// sender paid (another site's red-packet page pay forms can open them), or
// the other orders, are more than Keep, each counted apart: of each, the
// app holding the most loses the one that became final longest ago, else
// its oldest. With a store, they are deleted from it too. The lock is
// held.
func (b *Book) evict() []Order {
	var gone []*Order
	keep := b.opts.Keep
	for class := range limits.FairClasses {
		for keep > 0 && b.fair.Count(class) > keep {
			seq, ok := b.fair.Next(class)
			if !ok {
				break
			}
			o, ok := b.ledger.Get(seq)
			if !ok {
				b.fair.Remove(seq) // not the book's: never so
				continue
			}
			b.evictOne(o)
			gone = append(gone, o)
			if _, kept := b.ledger.Get(seq); kept {
				break // its removal did not run
			}
		}
	}
	out := clones(gone)
	if b.store != nil && len(out) > 0 {
		_ = b.store.RemoveOrders(out) // the store reports failures
	}
	return out
}

// evictOne removes an evicted order; a red packet's outlay leaves the
// outlays in the fund book's locked step that counts it in the balance
// (Evicting), so every check sees it once. A packet dropped before its
// end counts as it was planned to end, as a DEALING transfer does: an
// AUTHORIZED one's automatic refund gives its rest back. The lock is held.
func (b *Book) evictOne(o *Order) {
	if b.evicting == nil || o.countedOut == 0 {
		b.remove(o)
		return
	}
	b.evicting(o.AppID, -o.DroppedOutlay(), func() { b.remove(o) })
}

// Evicting sets what runs an evicted red packet's removal (take) with
// its outlay moved into the balance (mock/fund's Book.Evicting), under
// the book's lock.
func (b *Book) Evicting(f func(app string, a amount.Amount, take func())) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.evicting = f
}

// remove takes an order out of every index. The lock is held.
func (b *Book) remove(o *Order) {
	b.unindex(o)
	b.ledger.Remove(o.seq)
}

// Page returns up to limit orders of app (every app when empty) with
// status (any when empty) made after the order at position at (0: from
// the first), oldest first, or with newest made before it, newest first;
// and the position to pass as at for the next page: 0 when there is
// none. Orders are settled as they are read. The error is the store's
// (see trade.Book.Page), never an empty page in its place.
func (b *Book) Page(app string, status OrderStatus, at uint64, limit int, newest bool) ([]Order, uint64, error) {
	if b.backend != nil {
		return b.pageShared(app, status, at, limit, newest)
	}
	out := []Order{}
	var next uint64
	for done := false; !done && next == 0; {
		// At most chunk orders under the lock at a time (see trade.Book.Page).
		err := b.commit(func(now time.Time) ([]change, error) {
			var all []change
			seen := 0
			done = true
			b.ledger.Walk(at, newest, func(seq uint64, o *Order) bool {
				if seen == chunk {
					done = false
					return false
				}
				seen++
				at = seq
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
		if err != nil {
			return nil, 0, err
		}
	}
	return out, next, nil
}

// chunk is how many orders a list reads under the book's lock at a time.
const chunk = 256

// Counts is the number of red packets in each status, and of claims, from
// counters the book keeps as orders change: no walk over the orders. The
// error is the database's (--store), never zero counts in its place.
func (b *Book) Counts() (packets map[OrderStatus]int, claims int, err error) {
	if b.backend != nil {
		return b.countsShared()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	packets = make(map[OrderStatus]int, len(b.counts))
	for s, n := range b.counts {
		packets[s] = n
	}
	return packets, b.nclaims, nil
}

// Claims returns the claims paid out of the red packet authNo of app,
// oldest first.
func (b *Book) Claims(app, authNo string) []Order {
	var out []Order
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, o := range b.claims[authNo] {
		if o.AppID == app {
			out = append(out, o.clone())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}
