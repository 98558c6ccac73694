package trade

import (
	"github.com/alipay-mock/alipay-mock/mock/domain"

	"errors"
	"time"
)

// Backend is a database that holds the truth about trades for several
// mock processes (replicas) at once: each operation runs in one of its
// transactions, reading the rows it acts on under a lock, applying the
// book's own rules to them in memory and writing them back before it
// answers. The database, not the book's lock, then keeps one trade per
// (app_id, out_trade_no), refunds idempotent by out_request_no and their
// sum within the total, across every replica. Without a backend (the
// default) the book is the truth, written through its Store when one is set.
type Backend interface {
	Begin() (Tx, error)
	// Reset deletes every trade, or one app's.
	Reset(app string) error
	// Page returns up to limit trades matching f (0: all) in the order
	// the database stored them, after position at, or newest first before
	// it (0: from either end), with each one's position: an indexed read
	// of the page, not of every trade.
	Page(f Filter, at uint64, limit int, newest bool) ([]Trade, []uint64, error)
	// Counts is the number of trades in each status, from counters the
	// database keeps with the trades.
	Counts() (map[Status]int, error)
	// Due names up to max trades (app_id, trade_no) whose deadline has
	// come at now.
	Due(now time.Time, max int) ([][2]string, error)
}

// Tx is one operation's transaction.
type Tx interface {
	// Lock returns the stored trades l names, locked until the end of the
	// transaction (Lookup.Read reads without locking).
	Lock(l Lookup) ([]Trade, error)
	// Insert adds new trades: ErrConflict when one breaks a unique key
	// (another replica made the same out_trade_no first).
	Insert(ts []Trade) error
	// Update writes back trades Lock returned: ErrConflict when one changed
	// since it was read.
	Update(ts []Trade) error
	Commit() error
	Rollback()
}

// UntoldTx is a Tx that marks events untold in its own transaction, as
// the Store does in its commit (ObserveStored): a replica that dies
// between the trade's commit and its notification's write leaves the mark
// for another to tell.
type UntoldTx interface {
	MarkUntold([]Untold) error
}

// ErrConflict is a Tx's answer when another replica's write came first;
// the book runs the operation again on what the database now holds.
var ErrConflict = errors.New("trade: conflicting write")

// Lookup names the trades an operation reads, so a backend can lock them
// before the book's rules run.
type Lookup struct {
	App string
	// Ref is a trade of App by trade_no or out_trade_no (trade_no wins).
	Ref Ref
	// Page and Token are a buyer page's token.
	Page  Page
	Token string
	// Any is a trade_no, QR token or out_trade_no, of App or of any app
	// when App is empty (the control API's Act and Get).
	Any string
	// Read marks an operation that mostly reads (query): the rows are not
	// locked, and a write it makes (settling against the clock) is checked
	// against the version read instead.
	Read bool
	// Create marks an operation that makes the trade when it is missing
	// (precreate, create, pay, the cashier): a backend may look without a
	// lock first and rely on the unique key when it is missing.
	Create bool
	// Short is the operation's answer when the merchant's balance cannot
	// cover what the change takes from it (a backend's ErrNotCovered).
	Short error
	// ack, when set, takes the wait for the change to be on disk
	// (domain.Context.Ack); without a backend only.
	ack *domain.Ack
}

// Copy is a copy of t that shares nothing with it, for a backend that
// keeps decoded trades.
func Copy(t Trade) Trade { return t.clone() }

// Use makes a backend the truth from now on; call it before the book is
// used, instead of Persist.
func (b *Book) Use(be Backend) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.backend = be
}

// commitOn is commit for an operation on the trades l names. With a
// backend it runs in a database transaction: lock the rows, refresh the
// book's copies from them, apply f under the book's lock, write back what
// changed; on a conflict it runs again (f must be repeatable: it is, as it
// starts from the book's state each time).
func (b *Book) commitOn(l Lookup, f func(now time.Time) ([]change, error)) error {
	if b.backend == nil {
		return b.commitAck(l.ack, f)
	}
	for try := 0; ; try++ {
		err, retry := b.commitTx(l, f)
		if !retry || try == 8 {
			return err
		}
	}
}

func (b *Book) commitTx(l Lookup, f func(now time.Time) ([]change, error)) (err error, retry bool) {
	tx, err := b.backend.Begin()
	if err != nil {
		return StoreFailed(err), false
	}
	rows, err := tx.Lock(l)
	if err != nil {
		tx.Rollback()
		return StoreFailed(err), errors.Is(err, ErrConflict)
	}
	b.mu.Lock()
	loaded := b.install(l, rows)
	changes, ferr := f(b.clock.Now())
	b.recount(changes)
	var inserts, updates []Trade
	for _, t := range b.changed(changes) {
		if loaded[t.TradeNo] {
			updates = append(updates, t)
		} else {
			inserts = append(inserts, t)
		}
	}
	untold := b.untold(changes)
	b.noteFinal(changes)
	evicted, earlier := b.trim() // from memory only: the database keeps them
	obs, onEvict, onEarlier := b.observer, b.onEvict, b.onEarlier
	b.mu.Unlock()
	if earlier && onEarlier != nil {
		onEarlier()
	}

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
		// The copies are ahead of the database: drop them, so the next
		// operation reads them again.
		b.mu.Lock()
		for _, t := range append(inserts, updates...) {
			if m := b.warm(b.byNo[t.TradeNo]); m != nil {
				b.remove(m)
			}
		}
		b.cool()
		b.mu.Unlock()
		if errors.Is(err, ErrNotCovered) && l.Short != nil {
			return l.Short, false
		}
		if errors.Is(ferr, domain.ErrAsk) && errors.Is(err, ErrConflict) {
			// A create that stopped to find a buyer's half made nothing
			// (tradeTx.Commit's conflict): its caller asks and runs it
			// again, which a retry here would not.
			return ferr, false
		}
		return StoreFailed(err), errors.Is(err, ErrConflict)
	}
	var oerr error
	if obs != nil {
		for _, c := range changes {
			if err := obs(c.t, c.e); err != nil {
				oerr = ErrStore // the change is stored, what it made is not
			}
		}
	}
	if onEvict != nil && len(evicted) > 0 {
		onEvict(evicted)
	}
	if ferr == nil {
		ferr = oerr
	}
	return ferr, false
}

// changed returns copies of the trades changes and touched name, once
// each; the lock is held.
func (b *Book) changed(changes []change) []Trade {
	nos := b.touched
	b.touched = nil
	for _, c := range changes {
		nos = append(nos, c.t.TradeNo)
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
	return ts
}

// install refreshes the book's copies from the rows a backend returned for
// l, drops copies of what l names that the database no longer holds, and
// returns the trade numbers loaded. The lock is held.
func (b *Book) install(l Lookup, rows []Trade) map[string]bool {
	got := make(map[string]bool, len(rows))
	for i := range rows {
		r := rows[i]
		got[r.TradeNo] = true
		if old := b.warm(b.byNo[r.TradeNo]); old != nil {
			seq, wasFinal, c := old.seq, old.Final(), old.c
			b.uncountPayee(old) // counted again by reckon, with the buyer read
			*old = r
			old.seq, old.c = seq, c // the book's own bookkeeping
			b.reckon(old)
			if i := statusIndex(old.Status); i != c.counted {
				b.counts[c.counted]--
				b.counts[i]++
				c.counted = i
			}
			if !wasFinal && old.Final() {
				b.ledger.Final(seq)
			}
			b.refair(old)
		} else {
			if o := b.outTrade(r.AppID, r.OutTradeNo); o != nil {
				b.remove(o) // a copy the database never took
			}
			t := &r
			b.add(t)
			if t.Final() {
				b.ledger.Final(t.seq)
			}
		}
	}
	for _, t := range b.copies(l) {
		if !got[t.TradeNo] {
			b.remove(t)
		}
	}
	return got
}

// copies are the book's copies of what l names; the lock is held.
func (b *Book) copies(l Lookup) []*Trade {
	var out []*Trade
	add := func(t *Trade) {
		if t != nil {
			out = append(out, t)
		}
	}
	switch {
	case l.Ref.TradeNo != "":
		add(b.warm(b.byNo[l.Ref.TradeNo]))
	case l.Ref.OutTradeNo != "":
		add(b.outTrade(l.App, l.Ref.OutTradeNo))
	case l.Token != "" && l.Page == PageQR:
		add(b.warm(b.byQR[l.Token]))
	case l.Token != "":
		add(b.warm(b.byPage[l.Token]))
	case l.Any != "":
		add(b.warm(b.byNo[l.Any]))
		add(b.warm(b.byQR[l.Any]))
		if l.App != "" {
			add(b.outTrade(l.App, l.Any))
		} else {
			for c := b.byOut[l.Any]; c != nil; c = c.sameOut {
				out = append(out, b.warm(c))
			}
		}
	}
	return out
}

// maxDue is how many trades whose deadline has come a list or a count
// settles before it reads; the replicas' sweep (every second, and at once
// when the clock moves) settles the rest.
const maxDue = 256

// settleDue applies the deadlines that have come, so that the statuses a
// list filters on and the counters are the clock's.
func (b *Book) settleDue() {
	due, err := b.backend.Due(b.clock.Now(), maxDue)
	if err != nil {
		return
	}
	for _, d := range due {
		b.Settle(d[0], d[1])
	}
}

// pageShared is Page with a backend: one indexed read of the page (and of
// the row after it, to tell whether there is a next page) in the
// database's order, whose positions are the cursors. Nothing here reads
// every stored trade.
func (b *Book) pageShared(f Filter, at uint64, limit int, newest bool) ([]Trade, uint64, error) {
	b.settleDue()
	n := limit
	if limit > 0 {
		n = limit + 1
	}
	ts, pos, err := b.backend.Page(f, at, n, newest)
	if err != nil {
		return nil, 0, err // not an empty list: the database did not answer
	}
	var next uint64
	if limit > 0 && len(ts) > limit {
		ts, next = ts[:limit], pos[limit-1]
	}
	for i := range ts {
		ts[i].seq = pos[i]
	}
	if ts == nil {
		ts = []Trade{}
	}
	return ts, next, nil
}

// countsShared is Counts with a backend: the database's counters, after
// the deadlines that have come are applied.
func (b *Book) countsShared() (map[Status]int, error) {
	b.settleDue()
	out, err := b.backend.Counts()
	if err != nil {
		return nil, err // not zero: the database did not answer
	}
	if out == nil {
		out = map[Status]int{}
	}
	return out, nil
}
