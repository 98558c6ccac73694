package trade

import (
	"strings"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/mock/limits"
)

// DefaultKeep is how many trades the mock keeps unless told otherwise.
const DefaultKeep = 100_000

// DefaultKeepBytes bounds the bytes the kept trades hold unless told
// otherwise (Book.Bytes): 100,000 paid trades count about 50 MB, while
// one trade can count about 0.6 MB (docs/limits.md).
const DefaultKeepBytes = 256 << 20

// MinKeepBytes is the smallest byte bound --keep-trades-bytes takes.
const MinKeepBytes = 1 << 20

// Limits of what one trade keeps (the mock's, to bound memory; no source
// found gives production's number of refunds a trade, so 99 is inferred).
const (
	MaxSettlements   = 20 // per trade
	MaxRoyaltyParams = 20 // per request
	MaxRefunds       = 99 // per trade
	MaxBuyerEvents   = 20 // a buyer's scans and failed payments recorded per trade
)

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
	c := b.newCell(t)
	c.seq = b.ledger.Add(c)
	t.seq = c.seq
	b.index(t)
	b.refair(t)
}

// refair files t for eviction (limits.Fair): a trade no buyer acted on
// (it does not exist for the merchant, and another site's page pay forms
// can open it) in the class that goes first, each class by app. The lock
// is held.
func (b *Book) refair(t *Trade) { b.refairAs(t, t.Final()) }

// refairAs is refair with final given (a restore queues the final ones
// after, in the order they became final). The lock is held.
func (b *Book) refairAs(t *Trade, final bool) {
	class := 1
	if t.unscanned() {
		class = 0
	}
	b.fair.Set(t.seq, t.AppID, class, final)
}

// index files a trade under its keys and counts it. The lock is held.
func (b *Book) index(t *Trade) {
	c := t.c
	b.putOut(t)
	b.byNo[t.TradeNo] = c
	if t.QRToken != "" {
		b.byQR[t.QRToken] = c
	}
	b.byPage[t.CashierToken] = c
	b.linkApp(t.AppID, c)
	c.counted = statusIndex(t.Status)
	b.counts[c.counted]++
	b.reckon(t)
}

// unindex takes a trade out of its keys and counts. The lock is held.
func (b *Book) unindex(t *Trade) {
	c := t.c
	if b.byNo[t.TradeNo] == c {
		delete(b.byNo, t.TradeNo)
	}
	b.dropOut(t)
	if t.QRToken != "" && b.byQR[t.QRToken] == c {
		delete(b.byQR, t.QRToken)
	}
	if b.byPage[t.CashierToken] == c {
		delete(b.byPage, t.CashierToken)
	}
	b.unlinkApp(t.AppID, c)
	b.fair.Remove(t.seq)
	b.counts[c.counted]--
	c.counted = 0
	b.uncountPayee(t)
	if c.income != 0 {
		b.addIncome(t.AppID, -c.income)
		c.income = 0
	}
	if c.frozen != 0 {
		b.addFrozen(t.AppID, -c.frozen)
		c.frozen = 0
	}
	b.uncountCredits(c)
}

// appTrades are the ends of an app's list of trades (Book.byApp), linked
// through their cells.
type appTrades struct{ first, last *cell }

// oldest is the first trade of the list, nil for none.
func (l *appTrades) oldest() *cell {
	if l == nil {
		return nil
	}
	return l.first
}

// linkApp puts c at the end of app's list. The lock is held.
func (b *Book) linkApp(app string, c *cell) {
	l := b.byApp[app]
	if l == nil {
		l = &appTrades{}
		b.byApp[app] = l
	}
	if l.first == c || c.appPrev != nil { // already listed
		return
	}
	c.appPrev = l.last
	if l.last != nil {
		l.last.appNext = c
	} else {
		l.first = c
	}
	l.last = c
}

// unlinkApp takes c out of app's list; an app with none left goes. The
// lock is held.
func (b *Book) unlinkApp(app string, c *cell) {
	l := b.byApp[app]
	if l == nil || (l.first != c && c.appPrev == nil) { // not listed
		return
	}
	if c.appPrev != nil {
		c.appPrev.appNext = c.appNext
	} else {
		l.first = c.appNext
	}
	if c.appNext != nil {
		c.appNext.appPrev = c.appPrev
	} else {
		l.last = c.appPrev
	}
	c.appPrev, c.appNext = nil, nil
	if l.first == nil {
		delete(b.byApp, app)
	}
}

// addIncome adds d to the app's income; a total back at zero goes, so the
// map holds only apps whose kept trades brought something in (not one entry
// per app that ever had a trade). The lock is held.
func (b *Book) addIncome(app string, d amount.Amount) {
	if b.income[app] += d; b.income[app] == 0 {
		delete(b.income, app)
	}
}

// addFrozen adds d to the app's frozen income, as addIncome does. The
// lock is held.
func (b *Book) addFrozen(app string, d amount.Amount) {
	if b.frozen == nil {
		b.frozen = map[string]amount.Amount{}
	}
	if b.frozen[app] += d; b.frozen[app] == 0 {
		delete(b.frozen, app)
	}
}

// reckon brings the app's income total, and its index of paying buyers,
// up to date with t. The lock is held.
func (b *Book) reckon(t *Trade) {
	b.countPayee(t)
	if b.incomeRule == nil {
		return
	}
	b.reckonCredits(t)
	in := b.incomeRule(t)
	if in != t.c.income {
		if b.income == nil {
			b.income = map[string]amount.Amount{}
		}
		b.addIncome(t.AppID, in-t.c.income)
		t.c.income = in
	}
	if fr := t.FrozenPart(in); fr != t.c.frozen {
		b.addFrozen(t.AppID, fr-t.c.frozen)
		t.c.frozen = fr
	}
}

// IncomeRule sets what a trade brings into its merchant's account and
// counts every kept trade by it; Income then answers without a walk.
func (b *Book) IncomeRule(f func(*Trade) amount.Amount) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.incomeRule = f
	b.income = map[string]amount.Amount{}
	b.frozen = map[string]amount.Amount{}
	b.received, b.credited = nil, nil
	for _, c := range b.byNo {
		c.income, c.frozen = 0, 0
		b.reckon(b.warm(c))
	}
	b.cool()
}

// Income is what the app's kept trades brought in, by the income rule.
func (b *Book) Income(app string) amount.Amount {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.income[app]
}

// IncomeParts is Income and the part of it frozen (royalty_freeze trades
// not yet thawed: Trade.FrozenPart), read together.
func (b *Book) IncomeParts(app string) (income, frozen amount.Amount) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.income[app], b.frozen[app]
}

// outTrade is app's trade with out_trade_no out, or nil. The lock is held.
func (b *Book) outTrade(app, out string) *Trade {
	_, c := b.outCell(app, out)
	return b.warm(c)
}

// outCell is the first cell filed under out_trade_no out (trades of other
// apps hang off it) and app's cell among them, nil when it has none. The
// lock is held.
func (b *Book) outCell(app, out string) (head, c *cell) {
	head = b.byOut[out]
	for c = head; c != nil; c = c.sameOut {
		if b.appOf(c) == app {
			return head, c
		}
	}
	return head, nil
}

// putOut files t under its out_trade_no, replacing the app's trade with
// the same one if any. The lock is held.
func (b *Book) putOut(t *Trade) {
	head, old := b.outCell(t.AppID, t.OutTradeNo)
	if old != nil {
		b.dropOut(b.warm(old))
		head = b.byOut[t.OutTradeNo]
	}
	t.c.sameOut = head
	b.byOut[t.OutTradeNo] = t.c
}

// dropOut takes t off its out_trade_no's chain. The lock is held.
func (b *Book) dropOut(t *Trade) {
	c := t.c
	head := b.byOut[t.OutTradeNo]
	switch {
	case head == c:
		// The key may be bytes of c's record (rekey): the next trade gets
		// a key of its own rather than keep c's record alive.
		delete(b.byOut, t.OutTradeNo)
		if c.sameOut != nil {
			b.byOut[strings.Clone(t.OutTradeNo)] = c.sameOut
		}
	case head != nil:
		for p := head; p.sameOut != nil; p = p.sameOut {
			if p.sameOut == c {
				p.sameOut = c.sameOut
				break
			}
		}
	}
	c.sameOut = nil
}

// numStatus is the size of the status counters: slot 0 is a trade not
// counted (or of a status the mock does not know).
const numStatus = 5

var statuses = [numStatus]Status{"", WaitBuyerPay, Success, Closed, Finished}

func statusIndex(s Status) uint8 {
	for i := 1; i < numStatus; i++ {
		if statuses[i] == s {
			return uint8(i)
		}
	}
	return 0
}

// recount moves the trades that changes (and changes without an event)
// touched to the counters of their status now. The lock is held.
func (b *Book) recount(changes []change) {
	move := func(no string) {
		if t := b.warm(b.byNo[no]); t != nil {
			if i := statusIndex(t.Status); i != t.c.counted {
				b.counts[t.c.counted]--
				b.counts[i]++
				t.c.counted = i
			}
			b.reckon(t)
			b.refair(t)
		}
	}
	for _, c := range changes {
		move(c.t.TradeNo)
	}
	for _, no := range b.touched {
		move(no)
	}
}

// noteFinal queues the trades that changes made final, in that order:
// they are evicted first. The lock is held.
func (b *Book) noteFinal(changes []change) {
	for _, c := range changes {
		if t := b.warm(b.byNo[c.t.TradeNo]); t != nil && t.Final() {
			b.ledger.Final(t.seq)
		}
	}
}

// evict drops trades in limits.Fair's order while the trades no buyer
// acted on (which do not exist for the merchant yet: another site's page
// pay forms can open them), or the others, are more than Keep, each
// counted apart: of each, the app holding the most loses the one that
// became final longest ago, else its oldest. With a store, they are
// deleted from it too. The lock is held.
func (b *Book) evict() []Trade {
	keep := b.opts.Keep
	var cs []*cell
	for class := range limits.FairClasses {
		cs = append(cs, b.evictWhile(func() bool { return keep > 0 && b.fair.Count(class) > keep },
			func() (uint64, bool) { return b.fair.Next(class) })...)
	}
	return b.drop(cs)
}

// trim evicts past Keep, cools what the commit warmed, then evicts past
// KeepBytes: a record's size is known once it is encoded. It returns the
// trades evicted and cool's report. The lock is held.
func (b *Book) trim() (evicted []Trade, earlier bool) {
	evicted = b.evict()
	earlier = b.cool()
	if max := b.opts.KeepBytes; max > 0 && b.bytes > max {
		more := b.drop(b.evictWhile(func() bool { return b.ledger.Len() > 1 && b.bytes > max }, b.nextForBytes))
		evicted = append(evicted, more...)
		earlier = b.cool() // cools what eviction warmed; reported is unchanged
	}
	return evicted, earlier
}

// nextForBytes is the trade eviction past KeepBytes takes next: one no
// buyer acted on first, the one just made too (it goes at once rather
// than a trade the merchant sees: another site's page pay form can make
// it), then the others. The lock is held.
func (b *Book) nextForBytes() (uint64, bool) {
	if seq, ok := b.fair.Next(0); ok {
		return seq, true
	}
	return b.fair.Next(1)
}

// evictWhile evicts the trades next names while over says so. The lock is
// held.
func (b *Book) evictWhile(over func() bool, next func() (uint64, bool)) []*cell {
	var out []*cell
	for over() {
		seq, ok := next()
		if !ok {
			break
		}
		c, ok := b.ledger.Get(seq)
		if !ok {
			b.fair.Remove(seq) // not the book's: never so
			continue
		}
		b.evictCell(c)
		out = append(out, c)
		if !c.gone {
			break // its removal did not run
		}
	}
	return out
}

// evictCell removes an evicted trade; its income leaves the book's in
// the fund book's locked step that counts it in the balance (Evicting),
// so every check sees it once. The lock is held.
func (b *Book) evictCell(c *cell) {
	t := b.warm(c)
	to := b.credited[c]
	if b.evicting == nil || c.income == 0 && c.frozen == 0 && len(to) == 0 {
		b.remove(t)
		return
	}
	b.evicting(t.AppID, c.income, c.frozen, to, func() { b.remove(t) })
}

// Evicting sets what runs an evicted trade's removal (take) with its
// income, and the part of it frozen, moved into the balance (mock/fund's
// Book.EvictingTrade), and what its settlements paid into other
// merchants' accounts (to: Credits) kept there, under the book's lock.
func (b *Book) Evicting(f func(app string, a, frozen amount.Amount, to map[string]amount.Amount, take func())) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.evicting = f
}

// drop copies the evicted cells' trades and, with a store, deletes them
// from it. The lock is held.
func (b *Book) drop(cs []*cell) []Trade {
	out := b.clones(cs)
	if b.store != nil && len(out) > 0 {
		_ = b.store.RemoveTrades(out) // the store reports failures
	}
	return out
}

// cellBytes is what a trade costs besides its record and extras, as
// Bytes counts it: an estimate of its cell, ledger slot, index entries
// and deadline.
const cellBytes = 256

// resize sets the bytes counted for c: size plus cellBytes, 0 once it
// left the book. The lock is held.
func (b *Book) resize(c *cell, size int) {
	n := int64(0)
	if size > 0 {
		n = int64(size) + cellBytes
	}
	b.bytes += n - int64(c.size)
	c.size = uint32(n)
}

// Bytes is about what the kept trades hold: each one's record, the text
// and values of its extras (refunds, syncs, settlements, goods) and
// cellBytes. KeepBytes bounds it. With --store, this replica's copies.
func (b *Book) Bytes() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bytes
}

// KeepBytes is the most bytes the book's trades hold; 0 is no limit.
func (b *Book) KeepBytes() int64 { return b.opts.KeepBytes }

// remove takes a trade out of every index. The lock is held.
func (b *Book) remove(t *Trade) {
	b.unindex(t)
	b.ledger.Remove(t.seq)
	b.setDue(t.c, 0)
	b.resize(t.c, 0)
	delete(b.extras, t.c)
	t.c.gone = true
}

// chunk is how many trades a list reads under the book's lock at a time:
// a long list lets gateway calls in between its chunks.
const chunk = 256

// Page returns up to limit trades matching f that were made after the
// trade at position at (0: from the first), oldest first, or with newest
// made before it (0: from the newest), newest first; and the position to
// pass as at for the next page: 0 when there is none. Trades are settled
// against the clock as they are read. The book's lock is taken for at
// most chunk trades at a time, so a filter that matches few trades does
// not hold up the gateway while it walks. The error is the store's, when
// it could not read the page (--store) or write what reading settled
// (--data): never an empty page in its place.
func (b *Book) Page(f Filter, at uint64, limit int, newest bool) ([]Trade, uint64, error) {
	if b.backend != nil {
		return b.pageShared(f, at, limit, newest)
	}
	out := []Trade{}
	var next uint64
	for done := false; !done; {
		err := b.commit(func(now time.Time) ([]change, error) {
			var all []change
			seen := 0
			done = true
			b.ledger.Walk(at, newest, func(seq uint64, c *cell) bool {
				t := b.warm(c)
				if seen == chunk {
					done = false // more to read, after letting others in
					return false
				}
				seen++
				at = seq
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
		if err != nil {
			return nil, 0, err
		}
		if next != 0 {
			break
		}
	}
	return out, next, nil
}

// Seq is a trade's position in the book's order, for cursors.
func (t *Trade) Seq() uint64 { return t.seq }

func (f Filter) match(t *Trade) bool {
	return (f.AppID == "" || t.AppID == f.AppID) && (f.Status == "" || t.Status == f.Status)
}

// Counts is the number of trades in each status, from counters the book
// keeps as trades change: no walk over the trades. A trade past a deadline
// counts in its new status once the scheduler has settled it (it runs the
// deadlines as the clock reaches them). The error is the database's
// (--store), never zero counts in its place.
func (b *Book) Counts() (map[Status]int, error) {
	if b.backend != nil {
		return b.countsShared()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[Status]int{}
	for i := 1; i < numStatus; i++ {
		if n := b.counts[i]; n > 0 {
			out[statuses[i]] = n
		}
	}
	return out, nil
}

// maxInterned bounds the strings and time zones a book numbers for its
// records (codec.go): past it, new values are written out in each record
// (a load test with a new subject per trade gains nothing from a table,
// and the table stays small).
const maxInterned = 4096
