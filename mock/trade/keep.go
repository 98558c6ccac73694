package trade

import (
	"time"
)

// DefaultKeep is how many trades the mock keeps unless told otherwise.
const DefaultKeep = 100_000

// OnEvict registers a function told, outside the book's lock, about the
// trades eviction dropped (the mock cancels their scheduled deadlines).
func (b *Book) OnEvict(f func([]Trade)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.onEvict = f
}

// Len is how many trades the book holds.
func (b *Book) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.byNo)
}

// Keep is the most trades the book holds; 0 is no limit.
func (b *Book) Keep() int { return b.opts.Keep }

// add files a new trade under its keys and at the end of the order.
func (b *Book) add(t *Trade) {
	t.seq = b.ledger.Add(t)
	b.byOut[key{t.AppID, t.OutTradeNo}] = t
	b.byNo[t.TradeNo] = t
	if t.QRToken != "" {
		b.byQR[t.QRToken] = t
	}
	b.byPage[t.CashierToken] = t
}

// noteFinal queues the trades that changes made final, in that order:
// they are evicted first. The lock is held.
func (b *Book) noteFinal(changes []change) {
	for _, c := range changes {
		if t := b.byNo[c.t.TradeNo]; t != nil && t.Final() {
			b.ledger.Final(t.seq)
		}
	}
}

// evict drops trades while the book holds more than Keep: the trades that
// became final longest ago first, then the oldest by creation. With a
// store, they are deleted from it too. The lock is held.
func (b *Book) evict() []Trade {
	out := clones(b.ledger.Evict(b.opts.Keep, b.remove))
	if b.store != nil && len(out) > 0 {
		_ = b.store.RemoveTrades(out) // the store reports failures
	}
	return out
}

// remove takes a trade out of every index. The lock is held.
func (b *Book) remove(t *Trade) {
	if b.byNo[t.TradeNo] == t {
		delete(b.byNo, t.TradeNo)
	}
	if k := (key{t.AppID, t.OutTradeNo}); b.byOut[k] == t {
		delete(b.byOut, k)
	}
	if t.QRToken != "" && b.byQR[t.QRToken] == t {
		delete(b.byQR, t.QRToken)
	}
	if b.byPage[t.CashierToken] == t {
		delete(b.byPage, t.CashierToken)
	}
	if t.AuthCode != "" {
		delete(b.buyers, t.AuthCode)
	}
	b.ledger.Remove(t.seq)
}

// Page returns up to limit trades matching f that were made after the
// trade at position at (0: from the first), oldest first, or with newest
// made before it (0: from the newest), newest first; and the position to
// pass as at for the next page: 0 when there is none. Trades are settled
// against the clock as they are read.
func (b *Book) Page(f Filter, at uint64, limit int, newest bool) ([]Trade, uint64) {
	out := []Trade{}
	var next uint64
	_ = b.commitOn(Lookup{All: true}, func(now time.Time) ([]change, error) {
		var all []change
		b.ledger.Walk(at, newest, func(_ uint64, t *Trade) bool {
			all = append(all, b.settle(t, now)...)
			if !f.match(t) {
				return true
			}
			if limit > 0 && len(out) == limit {
				next = out[len(out)-1].seq
				return false
			}
			out = append(out, t.clone())
			return true
		})
		return all, nil
	})
	return out, next
}

// Seq is a trade's position in the book's order, for cursors.
func (t *Trade) Seq() uint64 { return t.seq }

func (f Filter) match(t *Trade) bool {
	return (f.AppID == "" || t.AppID == f.AppID) && (f.Status == "" || t.Status == f.Status)
}

// Counts is the number of trades in each status.
func (b *Book) Counts() map[Status]int {
	out := map[Status]int{}
	_ = b.commitOn(Lookup{All: true}, func(now time.Time) ([]change, error) {
		var all []change
		for _, t := range b.byNo {
			all = append(all, b.settle(t, now)...)
			out[t.Status]++
		}
		return all, nil
	})
	return out
}
