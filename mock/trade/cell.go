package trade

import (
	"container/heap"
	"math"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/mock/domain"
)

// cell is how the book holds one trade: its compact record (codec.go),
// decoded into hot while a call works on it. Every call that reads or
// changes trades warms the ones it touches and cools them again before
// it lets go of the book's lock, so between calls a trade costs its
// record, its cell and its index entries, and the collector has almost
// nothing in it to follow.
type cell struct {
	rec     string
	hot     *Trade
	sameOut *cell // the next trade of another app with the same out_trade_no
	// appPrev and appNext link the app's trades in the order filed
	// (Book.byApp).
	appPrev, appNext *cell
	seq              uint64
	// income is what the trade brought in by the book's income rule, as
	// counted in the app's total (IncomeRule).
	income amount.Amount
	// frozen is the part of income frozen (Trade.FrozenPart), as counted
	// in the app's frozen total.
	frozen amount.Amount
	// due is the deadline queued for it (unix nanoseconds), 0 for none.
	due int64
	// counted is the status counter it is in; gone is set once it left
	// the book.
	counted uint8
	gone    bool
	// size is what Bytes counts for it (resize).
	size uint32
	// payee is set while the trade's buyer is counted in the book's index
	// of paying buyers (payees.go).
	payee bool
}

// warm is c's trade, decoded if it was cold; the lock is held, and the
// trade is cooled again before the lock is let go (cool).
func (b *Book) warm(c *cell) *Trade {
	if c == nil {
		return nil
	}
	if c.hot == nil {
		d := decoder{rec: c.rec, strs: &b.strs, locs: &b.locs}
		t := d.decode(b.extras[c])
		t.seq, t.c = c.seq, c
		c.hot = t
		b.warmed = append(b.warmed, c)
	}
	return c.hot
}

// view is c's trade for reading only: the hot one, or a decoded copy
// nobody keeps. The lock is held.
func (b *Book) view(c *cell) *Trade {
	if c.hot != nil {
		return c.hot
	}
	d := decoder{rec: c.rec, strs: &b.strs, locs: &b.locs}
	t := d.decode(b.extras[c])
	t.seq = c.seq
	return t
}

// appOf is the app of c's trade, read without decoding the rest.
func (b *Book) appOf(c *cell) string {
	if c.hot != nil {
		return c.hot.AppID
	}
	return appOf(c.rec, &b.strs)
}

// newCell holds a new trade, hot until the call that made it ends.
func (b *Book) newCell(t *Trade) *cell {
	c := &cell{hot: t}
	t.c = c
	b.warmed = append(b.warmed, c)
	return c
}

// cool encodes the trades warmed since the last cool back into their
// records, and queues the deadline of each whose deadline changed. It
// reports whether the earliest deadline is no longer the one last
// reported (NextDeadline): earlier (a new trade) or later (a paid trade's
// expiry left the queue). The lock is held.
func (b *Book) cool() (moved bool) {
	for i, c := range b.warmed {
		b.warmed[i] = nil
		t := c.hot
		c.hot = nil
		if t == nil || c.gone {
			continue
		}
		t.c = nil
		e := encoder{buf: b.scratch[:0], strs: &b.strs, locs: &b.locs}
		x, k := e.encode(t)
		if x != nil {
			b.extras[c] = x
		} else if b.extras[c] != nil {
			delete(b.extras, c)
		}
		b.scratch = e.buf
		if string(e.buf) != c.rec { // a read leaves the record as it was
			c.rec = string(e.buf)
			b.rekey(c, t, k)
		}
		b.resize(c, len(c.rec)+x.size())
		var due int64
		if at, ok := b.deadline(t); ok {
			due = nanos(at)
		}
		if due != c.due {
			b.setDue(c, due)
			if due != 0 {
				heap.Push(&b.deadlines, deadline{at: due, c: c})
			}
		}
	}
	b.warmed = b.warmed[:0]
	if cap(b.warmed) > 4096 { // a walk over every trade (replicas' counts) need not keep its list
		b.warmed = nil
	}
	if len(b.deadlines) > 1024 && len(b.deadlines) > 2*len(b.byNo) {
		b.pruneDeadlines()
	}
	after := b.earliest()
	return after != b.reported
}

// rekey files c under keys that are bytes of its record rather than
// strings of their own: the trade's numbers and tokens are then held
// once. The old keys are dropped, so no index holds an old record: an
// assignment to a key already there stores the new (equal) key string
// too, as Go's maps do for string keys (TestRekeyKeepsRecordBytes), with
// no delete and insert. The lock is held.
func (b *Book) rekey(c *cell, t *Trade, k keys) {
	re := func(m map[string]*cell, old string, s span) {
		if old != "" && m[old] == c {
			m[c.rec[s.from:s.to]] = c
		}
	}
	re(b.byNo, t.TradeNo, k.no)
	re(b.byOut, t.OutTradeNo, k.out)
	re(b.byQR, t.QRToken, k.qr)
	re(b.byPage, t.CashierToken, k.page)
}

// nanos is a deadline as unix nanoseconds (never 0; the far future past
// what int64 holds is its end).
func nanos(t time.Time) int64 {
	if t.Unix() >= math.MaxInt64/int64(time.Second)-1 {
		return math.MaxInt64
	}
	if n := t.UnixNano(); n != 0 {
		return n
	}
	return 1
}

// deadline is one entry of the book's deadline queue: when time alone next
// changes a trade. An entry is stale once the trade left the book or its
// deadline moved (c.due differs); stale entries are skipped as they come
// up and pruned when they outnumber the trades.
type deadline struct {
	at int64
	c  *cell
}

type deadlineHeap []deadline

func (h deadlineHeap) Len() int { return len(h) }
func (h deadlineHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].c.seq < h[j].c.seq
}
func (h deadlineHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *deadlineHeap) Push(x any)   { *h = append(*h, x.(deadline)) }
func (h *deadlineHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = deadline{}
	*h = old[:len(old)-1]
	return x
}

func (d deadline) stale() bool { return d.c.gone || d.c.due != d.at }

// earliest is the first live deadline (unix ns), 0 for none; stale entries
// on top are dropped. The lock is held.
func (b *Book) earliest() int64 {
	for len(b.deadlines) > 0 {
		if top := b.deadlines[0]; !top.stale() {
			return top.at
		}
		heap.Pop(&b.deadlines)
	}
	return 0
}

// pruneDeadlines drops the stale entries. The lock is held.
func (b *Book) pruneDeadlines() {
	live := b.deadlines[:0]
	for _, d := range b.deadlines {
		if !d.stale() {
			live = append(live, d)
		}
	}
	for i := len(live); i < len(b.deadlines); i++ {
		b.deadlines[i] = deadline{}
	}
	b.deadlines = live
	heap.Init(&b.deadlines)
	if cap(b.deadlines) > 2*len(b.deadlines)+1024 {
		b.deadlines = append(deadlineHeap(nil), b.deadlines...)
	}
}

// deadline is Deadline for a trade the book holds: the one rule.
func (b *Book) deadline(t *Trade) (time.Time, bool) {
	switch t.Status {
	case WaitBuyerPay:
		return t.Expires, true
	case Success:
		if t.Paid != nil {
			return t.Paid.Add(b.opts.RefundWindow), true
		}
	}
	return time.Time{}, false
}

// NextDeadline is the earliest time at which time alone changes a trade
// the book holds: the one timer the mock keeps for every trade's
// deadline (SettleDue runs them). ok is false when no trade has one.
func (b *Book) NextDeadline() (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reported = b.earliest()
	if b.reported == 0 {
		return time.Time{}, false
	}
	return b.deadline(b.view(b.deadlines[0].c))
}

// Deadlines is how many trades have a deadline queued.
func (b *Book) Deadlines() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dueCount
}

// setDue makes due c's queued deadline, counting the trades with one.
func (b *Book) setDue(c *cell, due int64) {
	switch {
	case c.due == 0 && due != 0:
		b.dueCount++
	case c.due != 0 && due == 0:
		b.dueCount--
	}
	c.due = due
}

// OnEarlierDeadline registers a function called, outside the lock, when a
// change moves the earliest deadline (a new trade's comes first, or the
// first one left the queue): the mock then moves its timer there
// (NextDeadline).
func (b *Book) OnEarlierDeadline(f func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.onEarlier = f
}

// Due is a trade event that a deadline fired.
type Due struct {
	TradeNo string
	Event   Event
}

// SettleDue applies the clock to every trade whose deadline is at or
// before at, in deadline order, and returns the events that fired. Each
// trade is settled in a call of its own (Settle), as its own timer would.
func (b *Book) SettleDue(at time.Time) []Due {
	limit := nanos(at)
	var due [][2]string
	b.mu.Lock()
	for b.earliest() != 0 && b.deadlines[0].at <= limit {
		d := heap.Pop(&b.deadlines).(deadline)
		b.setDue(d.c, 0) // settled below; a new deadline is queued then
		t := b.view(d.c)
		due = append(due, [2]string{t.AppID, t.TradeNo})
	}
	b.mu.Unlock()
	// With --data the trades' writes share commits: each is queued, and
	// all are waited for (then told to the observer, in order) at the end,
	// instead of one commit after another.
	var ack domain.Ack
	var out []Due
	for _, d := range due {
		for _, e := range b.settleOne(d[0], d[1], &ack) {
			out = append(out, Due{TradeNo: d[1], Event: e})
		}
	}
	_ = ack.Wait() // a write the store refused is reported by the store
	return out
}
