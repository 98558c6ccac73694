package notify

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/mock/limits"
)

// State is where a notification stands.
type State string

// Notification states.
const (
	Pending   State = "pending"   // more attempts to come
	Delivered State = "delivered" // the merchant answered "success"
	GivenUp   State = "given_up"  // the schedule ran out
	// Suppressed notifications were held back by a scenario: never sent.
	Suppressed State = "suppressed"
)

// Attempt is one delivery attempt, as it went over the wire.
type Attempt struct {
	N  int       `json:"n"`
	At time.Time `json:"at"` // on the mock's clock
	// NotifyTime and Sign are what this attempt's form carried: each
	// attempt is signed afresh with the time it is sent.
	// A message's NotifyTime is its utc_timestamp.
	NotifyTime string `json:"notify_time,omitempty"`
	Sign       string `json:"sign,omitempty"`
	// Body is the exact form body the attempt sent. It is not kept but
	// rebuilt when the outbox is read (Get, List, Page), from the
	// notification's parameters, NotifyTime and Sign.
	Body      string  `json:"body,omitempty"`
	Status    int     `json:"status,omitempty"`
	Response  string  `json:"response,omitempty"` // the body, cut at 1 KiB
	LatencyMS float64 `json:"latency_ms"`         // wall time
	Error     string  `json:"error,omitempty"`
	OK        bool    `json:"ok"`

	rawSign bool // in the outbox, Sign holds the signature's bytes, not its base64
}

// Notification is one asynchronous notification and its delivery history.
type Notification struct {
	ID string `json:"id"`
	// Kind is KindNotification (a form to notify_url) or KindMessage (an
	// 蚂蚁消息 to the app's 应用网关).
	Kind        string            `json:"kind"`
	NotifyID    string            `json:"notify_id"`
	AppID       string            `json:"app_id"`
	OutTradeNo  string            `json:"out_trade_no"`
	TradeNo     string            `json:"trade_no"`
	Event       string            `json:"event"`
	TradeStatus string            `json:"trade_status"`
	URL         string            `json:"url"`
	Charset     string            `json:"charset"`
	Params      map[string]string `json:"params"`
	// Params and Body are the form the last attempt sent (before the
	// first attempt, the one it will send, but for notify_time and sign).
	Body        string     `json:"body"`
	Created     time.Time  `json:"created"`
	State       State      `json:"state"`
	Attempts    []Attempt  `json:"attempts"`
	NextAttempt *time.Time `json:"next_attempt,omitempty"`

	round  int    // attempts before the current round (set by a resend)
	badSig bool   // every attempt carries a signature that does not verify
	gen    int    // generation of the planned attempt
	key    string // scheduler key: one trade's (or red packet's) notifications stay in order
	seq    uint64 // position in the outbox's order, for cursors

	// In the outbox, Params and Body are not kept but packed (pack.go):
	// form holds the parameters, and the time field and sign come from the
	// last attempt when timeAtt and signAtt say so.
	form, rawBody                    string
	packed, hasRaw, timeAtt, signAtt bool
	// nextOut and nextNo link the notifications with the same out_trade_no
	// and trade_no, oldest first (the outbox's indexes).
	nextOut, nextNo *Notification
}

// Kinds of notification.
const (
	KindNotification = "notification"
	KindMessage      = "message"
)

// Final reports whether nothing more will happen to the notification
// unless it is sent again: delivered, given up or suppressed.
func (n *Notification) Final() bool {
	return n.State == Delivered || n.State == GivenUp || n.State == Suppressed
}

// Seq is the notification's position in the outbox's order, for cursors.
func (n *Notification) Seq() uint64 { return n.seq }

func (n *Notification) clone() Notification {
	c := *n
	c.nextOut, c.nextNo = nil, nil
	c.Attempts = append([]Attempt(nil), n.Attempts...)
	c.unpack()
	if n.NextAttempt != nil {
		t := *n.NextAttempt
		c.NextAttempt = &t
	}
	return c
}

// view is a copy for readers, with each attempt's body rebuilt.
func (n *Notification) view() Notification {
	n.unpack()
	c := n.clone()
	if c.Kind == "" {
		c.Kind = KindNotification // kept before notifications had a kind
	}
	tf := timeField(c.Kind)
	for i, a := range c.Attempts {
		if a.NotifyTime == "" || a.Sign == "" {
			continue // an attempt kept before attempts kept their own form
		}
		p := make(map[string]string, len(n.Params))
		for k, v := range n.Params {
			p[k] = v
		}
		p[tf], p["sign"] = a.NotifyTime, a.Sign
		if b, err := sign.EncodeForm(p, sign.Charset(n.Charset)); err == nil {
			c.Attempts[i].Body = b
		}
	}
	return c
}

// Filter selects notifications.
type Filter struct {
	AppID      string
	OutTradeNo string
	TradeNo    string
	State      State
}

func (f Filter) match(n *Notification) bool {
	return (f.AppID == "" || n.AppID == f.AppID) &&
		(f.OutTradeNo == "" || n.OutTradeNo == f.OutTradeNo) &&
		(f.TradeNo == "" || n.TradeNo == f.TradeNo) &&
		(f.State == "" || n.State == f.State)
}

// DefaultKeep is how many final notifications the mock keeps unless told
// otherwise.
const DefaultKeep = 10_000

// Outbox keeps the notifications with every attempt: all pending ones,
// and the final ones (delivered, given up, suppressed) up to a limit,
// past which those that became final longest ago go.
type Outbox struct {
	mu       sync.Mutex
	items    map[string]*Notification
	byOut    map[string]*Notification // first by out_trade_no, then nextOut
	byNo     map[string]*Notification // first by trade_no, then nextNo
	counts   map[State]int
	pending  map[*Notification]struct{} // the pending ones: the clock page lists them
	ledger   limits.Ledger[*Notification]
	finished int // how many items are final
	keep     int
	waiters  map[*waiter]struct{}
	store    Store
}

// waiter is a long poll: told (without blocking) when a notification its
// filter matches changes; a nil filter is told of every change.
type waiter struct {
	f  *Filter
	ch chan struct{}
}

// NewOutbox makes an empty outbox that keeps every notification.
func NewOutbox() *Outbox {
	return &Outbox{items: map[string]*Notification{}, byOut: map[string]*Notification{}, byNo: map[string]*Notification{},
		counts: map[State]int{}, pending: map[*Notification]struct{}{}, waiters: map[*waiter]struct{}{}}
}

// SetKeep bounds the final notifications kept; 0 keeps them all.
func (o *Outbox) SetKeep(n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.keep = n
	o.evictLocked()
}

// Keep is the most final notifications kept; 0 is no limit.
func (o *Outbox) Keep() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.keep
}

// Len is how many notifications the outbox holds.
func (o *Outbox) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.items)
}

// wakeLocked tells the waiters whose filter matches n (every waiter when
// n is nil) that something changed. The lock is held.
func (o *Outbox) wakeLocked(n *Notification) {
	for w := range o.waiters {
		if n == nil || w.f == nil || w.f.match(n) {
			select {
			case w.ch <- struct{}{}:
			default: // already told
			}
		}
	}
}

// watch registers a waiter for f (nil: every change); the caller must
// unwatch it.
func (o *Outbox) watch(f *Filter) *waiter {
	w := &waiter{f: f, ch: make(chan struct{}, 1)}
	o.mu.Lock()
	o.waiters[w] = struct{}{}
	o.mu.Unlock()
	return w
}

func (o *Outbox) unwatch(w *waiter) {
	o.mu.Lock()
	delete(o.waiters, w)
	o.mu.Unlock()
}

// indexLocked files n in the outbox. The lock is held.
func (o *Outbox) indexLocked(n *Notification) {
	n.pack()
	n.seq = o.ledger.Add(n)
	o.items[n.ID] = n
	o.counts[n.State]++
	if n.State == Pending {
		o.pending[n] = struct{}{}
	}
	if n.Final() {
		o.finished++
		o.ledger.Final(n.seq)
	}
	link(o.byOut, n.OutTradeNo, n, func(x *Notification) **Notification { return &x.nextOut })
	link(o.byNo, n.TradeNo, n, func(x *Notification) **Notification { return &x.nextNo })
}

// unindexLocked takes n out of the outbox. The lock is held.
func (o *Outbox) unindexLocked(n *Notification) {
	o.ledger.Remove(n.seq)
	delete(o.items, n.ID)
	delete(o.pending, n)
	if o.counts[n.State]--; o.counts[n.State] <= 0 {
		delete(o.counts, n.State)
	}
	if n.Final() {
		o.finished--
	}
	unlink(o.byOut, n.OutTradeNo, n, func(x *Notification) **Notification { return &x.nextOut })
	unlink(o.byNo, n.TradeNo, n, func(x *Notification) **Notification { return &x.nextNo })
}

// link appends n to the chain of key k (chains stay in the outbox's order).
func link(m map[string]*Notification, k string, n *Notification, next func(*Notification) **Notification) {
	*next(n) = nil
	p := m[k]
	if p == nil {
		m[k] = n
		return
	}
	for *next(p) != nil {
		p = *next(p)
	}
	*next(p) = n
}

func unlink(m map[string]*Notification, k string, n *Notification, next func(*Notification) **Notification) {
	p := m[k]
	switch {
	case p == nil:
	case p == n:
		if *next(n) == nil {
			delete(m, k)
		} else {
			m[k] = *next(n)
		}
	default:
		for *next(p) != nil && *next(p) != n {
			p = *next(p)
		}
		if *next(p) == n {
			*next(p) = *next(n)
		}
	}
	*next(n) = nil
}

// add keeps a new notification and returns once it is on disk (with
// --data): the change that made it is answered only then.
func (o *Outbox) add(n *Notification) {
	o.mu.Lock()
	o.indexLocked(n)
	wait := o.writeLocked(n)
	o.evictLocked()
	o.mu.Unlock()
	_ = wait() // the store reports failures
	o.mu.Lock()
	o.wakeLocked(n) // waiters wake to what is on disk
	o.mu.Unlock()
}

// update changes a notification under the lock; false if it is gone. f
// sees the notification packed, Params and Body empty: it may set them (a
// new form) or leave them. The write is queued, not waited for: an attempt
// is acknowledged by the run of the scheduler that made it (the clock
// advance's answer), which waits for the store (mock/persist.go), and
// readers wait too (sync).
func (o *Outbox) update(id string, f func(n *Notification)) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	n, ok := o.items[id]
	if !ok {
		return false
	}
	was, state := n.Final(), n.State
	before := n.Attempts[:len(n.Attempts):len(n.Attempts)]
	f(n)
	if n.Params == nil && n.packed && len(n.Attempts) != len(before) {
		// New attempts but the same form: unpack it against the attempts
		// it was packed with, then pack it against the new ones.
		after := n.Attempts
		n.Attempts = before
		n.unpack()
		n.Attempts = after
	}
	n.pack() // f set a new form, or the one unpacked above; else it stays packed
	if n.State != state {
		if o.counts[state]--; o.counts[state] <= 0 {
			delete(o.counts, state)
		}
		o.counts[n.State]++
		if n.State == Pending {
			o.pending[n] = struct{}{}
		} else {
			delete(o.pending, n)
		}
	}
	switch now := n.Final(); {
	case now && !was:
		o.finished++
		o.ledger.Final(n.seq)
	case was && !now:
		o.finished--
		o.ledger.Unfinal(n.seq)
	}
	o.writeLocked(n)
	o.evictLocked()
	o.wakeLocked(n)
	return true
}

// evictLocked drops final notifications past keep, those that became
// final longest ago first, from the store too. The lock is held.
func (o *Outbox) evictLocked() {
	if o.keep <= 0 || o.finished <= o.keep {
		return
	}
	var gone []Notification
	for o.finished > o.keep {
		_, n, ok := o.ledger.NextFinal()
		if !ok {
			break
		}
		o.unindexLocked(n)
		if o.store != nil {
			gone = append(gone, *n)
		}
	}
	if o.store != nil && len(gone) > 0 {
		_ = o.store.RemoveNotifications(gone) // the store reports failures
	}
}

// Get returns one notification.
func (o *Outbox) Get(id string) (Notification, bool) {
	o.sync()
	c, ok := o.get(id)
	if !ok {
		return Notification{}, false
	}
	return c.view(), true
}

// get is Get without the attempts' bodies, for the notifier.
func (o *Outbox) get(id string) (Notification, bool) {
	o.mu.Lock()
	n, ok := o.items[id]
	var c Notification
	if ok {
		c = n.copyLocked()
	}
	o.mu.Unlock()
	if !ok {
		return Notification{}, false
	}
	c.unpack()
	return c, true
}

// copyLocked is a copy of n that shares nothing it can change, still
// packed (unpack it outside the lock). The lock is held.
func (n *Notification) copyLocked() Notification {
	c := *n
	c.nextOut, c.nextNo = nil, nil
	c.Attempts = append([]Attempt(nil), n.Attempts...)
	if n.NextAttempt != nil {
		t := *n.NextAttempt
		c.NextAttempt = &t
	}
	return c
}

// List returns the notifications matching f, oldest first.
func (o *Outbox) List(f Filter) []Notification {
	list, _ := o.Page(f, 0, 0, false)
	return list
}

// Page returns up to limit notifications matching f made after the one at
// position at (0: from the first), oldest first, or with newest made
// before it, newest first; and the position to pass as at for the next
// page: 0 when there is none. A filter by out_trade_no or trade_no reads
// only that trade's notifications, one by state pending only the pending
// ones (the outbox's indexes); the page is
// copied under the lock and its forms rebuilt outside it.
func (o *Outbox) Page(f Filter, at uint64, limit int, newest bool) ([]Notification, uint64) {
	o.sync()
	var list []Notification
	var next uint64
	if f.TradeNo != "" || f.OutTradeNo != "" || f.State == Pending {
		o.mu.Lock()
		list, next = o.pageLocked(f, at, limit, newest)
		o.mu.Unlock()
	} else {
		list, next = o.walk(f, at, limit, newest)
	}
	for i := range list {
		list[i] = list[i].view()
	}
	return list, next
}

func (o *Outbox) pageLocked(f Filter, at uint64, limit int, newest bool) ([]Notification, uint64) {
	out := []Notification{}
	var next uint64
	visit := func(_ uint64, n *Notification) bool {
		if !f.match(n) {
			return true
		}
		if limit > 0 && len(out) == limit {
			next = out[len(out)-1].seq
			return false
		}
		out = append(out, n.copyLocked())
		return true
	}
	var head *Notification
	var step func(*Notification) *Notification
	var chain []*Notification
	in := func(n *Notification) bool { return newest && (at == 0 || n.seq < at) || !newest && n.seq > at }
	switch {
	case f.TradeNo != "":
		head, step = o.byNo[f.TradeNo], func(n *Notification) *Notification { return n.nextNo }
	case f.OutTradeNo != "":
		head, step = o.byOut[f.OutTradeNo], func(n *Notification) *Notification { return n.nextOut }
	case f.State == Pending:
		for n := range o.pending {
			if in(n) {
				chain = append(chain, n)
			}
		}
		slices.SortFunc(chain, func(a, b *Notification) int { return cmp.Compare(a.seq, b.seq) })
	default:
		o.ledger.Walk(at, newest, visit)
		return out, next
	}
	for n := head; n != nil; n = step(n) {
		if in(n) {
			chain = append(chain, n)
		}
	}
	if newest {
		slices.Reverse(chain)
	}
	for _, n := range chain {
		if !visit(n.seq, n) {
			break
		}
	}
	return out, next
}

// chunk is how many notifications a walk reads under the lock at a time.
const chunk = 256

// walk is a page read through the outbox's order, at most chunk
// notifications under the lock at a time, so a filter that matches few
// does not hold up the notifier and the books' observers while it reads.
func (o *Outbox) walk(f Filter, at uint64, limit int, newest bool) ([]Notification, uint64) {
	out := []Notification{}
	var next uint64
	for done := false; !done && next == 0; {
		o.mu.Lock()
		seen := 0
		done = true
		o.ledger.Walk(at, newest, func(seq uint64, n *Notification) bool {
			if seen == chunk {
				done = false
				return false
			}
			seen++
			at = seq
			if !f.match(n) {
				return true
			}
			if limit > 0 && len(out) == limit {
				next = out[len(out)-1].seq
				return false
			}
			out = append(out, n.copyLocked())
			return true
		})
		o.mu.Unlock()
	}
	return out, next
}

// Wait returns the notifications matching f as soon as there are at
// least count of them (at least one when count < 1), or what there is
// (possibly too few) when ctx ends: a long poll, so tests never sleep.
func (o *Outbox) Wait(ctx context.Context, f Filter, count int) []Notification {
	list, _ := o.WaitPage(ctx, f, 0, 0, count)
	return list
}

// WaitPage is Wait for one page (see Page): it returns as soon as the page
// holds count notifications, or is full when limit is below count. It
// looks again only when a notification f matches changes.
func (o *Outbox) WaitPage(ctx context.Context, f Filter, after uint64, limit, count int) ([]Notification, uint64) {
	count = max(count, 1)
	if limit > 0 {
		count = min(count, limit)
	}
	var list []Notification
	var next uint64
	o.waitOn(ctx, &f, func() bool {
		list, next = o.Page(f, after, limit, false)
		return len(list) >= count
	})
	return list, next
}

// WaitFunc calls done now and after every change to the outbox until it
// reports true or ctx ends, and reports whether it did. done may read the
// outbox. Tests wait with it for what a filter cannot say, such as a
// number of attempts.
func (o *Outbox) WaitFunc(ctx context.Context, done func() bool) bool {
	return o.waitOn(ctx, nil, done)
}

func (o *Outbox) waitOn(ctx context.Context, f *Filter, done func() bool) bool {
	w := o.watch(f) // first: a change while done runs is not missed
	defer o.unwatch(w)
	for {
		if done() {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-w.ch:
		}
	}
}

// Clear forgets the notifications of one app, or all.
func (o *Outbox) Clear(app string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var gone []*Notification
	o.ledger.Each(0, func(_ uint64, n *Notification) bool {
		if app == "" || n.AppID == app {
			gone = append(gone, n)
		}
		return true
	})
	for _, n := range gone {
		o.unindexLocked(n)
	}
	if o.store != nil {
		_ = o.store.DeleteNotifications(app) // the store reports failures
	}
	o.wakeLocked(nil)
}

// Counts is the number of notifications in each state, from counters kept
// as notifications change.
func (o *Outbox) Counts() map[State]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	c := make(map[State]int, len(o.counts))
	for s, n := range o.counts {
		c[s] = n
	}
	return c
}
