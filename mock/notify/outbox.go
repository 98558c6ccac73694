package notify

import (
	"context"
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
	c.Attempts = append([]Attempt(nil), n.Attempts...)
	if n.NextAttempt != nil {
		t := *n.NextAttempt
		c.NextAttempt = &t
	}
	return c
}

// view is a copy for readers, with each attempt's body rebuilt.
func (n *Notification) view() Notification {
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
	ledger   limits.Ledger[*Notification]
	finished int // how many items are final
	keep     int
	changed  chan struct{}
	store    Store
}

// NewOutbox makes an empty outbox that keeps every notification.
func NewOutbox() *Outbox {
	return &Outbox{items: map[string]*Notification{}, changed: make(chan struct{})}
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

func (o *Outbox) notifyLocked() {
	close(o.changed)
	o.changed = make(chan struct{})
}

// add keeps a new notification and returns once it is on disk (with
// --data): the change that made it is answered only then.
func (o *Outbox) add(n *Notification) {
	o.mu.Lock()
	n.seq = o.ledger.Add(n)
	o.items[n.ID] = n
	if n.Final() {
		o.finished++
		o.ledger.Final(n.seq)
	}
	wait := o.writeLocked(n)
	o.evictLocked()
	o.mu.Unlock()
	_ = wait() // the store reports failures
	o.mu.Lock()
	o.notifyLocked() // waiters wake to what is on disk
	o.mu.Unlock()
}

// update changes a notification under the lock; false if it is gone. The
// write is queued, not waited for: an attempt is acknowledged by the run
// of the scheduler that made it (the clock advance's answer), which waits
// for the store (mock/persist.go), and readers wait too (sync).
func (o *Outbox) update(id string, f func(n *Notification)) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	n, ok := o.items[id]
	if !ok {
		return false
	}
	was := n.Final()
	f(n)
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
	o.notifyLocked()
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
		seq, n, ok := o.ledger.NextFinal()
		if !ok {
			break
		}
		o.ledger.Remove(seq)
		delete(o.items, n.ID)
		o.finished--
		gone = append(gone, *n)
	}
	if o.store != nil && len(gone) > 0 {
		_ = o.store.RemoveNotifications(gone) // the store reports failures
	}
}

// Get returns one notification.
func (o *Outbox) Get(id string) (Notification, bool) {
	o.sync()
	o.mu.Lock()
	defer o.mu.Unlock()
	n, ok := o.items[id]
	if !ok {
		return Notification{}, false
	}
	return n.view(), true
}

// get is Get without the attempts' bodies, for the notifier.
func (o *Outbox) get(id string) (Notification, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n, ok := o.items[id]
	if !ok {
		return Notification{}, false
	}
	return n.clone(), true
}

// List returns the notifications matching f, oldest first.
func (o *Outbox) List(f Filter) []Notification {
	o.sync()
	o.mu.Lock()
	defer o.mu.Unlock()
	list, _ := o.pageLocked(f, 0, 0, false)
	return list
}

// Page returns up to limit notifications matching f made after the one at
// position at (0: from the first), oldest first, or with newest made
// before it, newest first; and the position to pass as at for the next
// page: 0 when there is none.
func (o *Outbox) Page(f Filter, at uint64, limit int, newest bool) ([]Notification, uint64) {
	o.sync()
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.pageLocked(f, at, limit, newest)
}

func (o *Outbox) pageLocked(f Filter, at uint64, limit int, newest bool) ([]Notification, uint64) {
	out := []Notification{}
	var next uint64
	o.ledger.Walk(at, newest, func(_ uint64, n *Notification) bool {
		if !f.match(n) {
			return true
		}
		if limit > 0 && len(out) == limit {
			next = out[len(out)-1].seq
			return false
		}
		out = append(out, n.view())
		return true
	})
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
// holds count notifications, or is full when limit is below count.
func (o *Outbox) WaitPage(ctx context.Context, f Filter, after uint64, limit, count int) ([]Notification, uint64) {
	count = max(count, 1)
	if limit > 0 {
		count = min(count, limit)
	}
	var list []Notification
	var next uint64
	o.WaitFunc(ctx, func() bool {
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
	for {
		o.mu.Lock()
		ch := o.changed // taken first: a change while done runs closes it
		o.mu.Unlock()
		if done() {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-ch:
		}
	}
}

// Clear forgets the notifications of one app, or all.
func (o *Outbox) Clear(app string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for id, n := range o.items {
		if app == "" || n.AppID == app {
			if n.Final() {
				o.finished--
			}
			delete(o.items, id)
		}
	}
	if app == "" {
		o.ledger.Clear()
	} else {
		o.ledger.Retain(func(n *Notification) bool { return n.AppID != app })
	}
	if o.store != nil {
		_ = o.store.DeleteNotifications(app) // the store reports failures
	}
	o.notifyLocked()
}

// Counts is the number of notifications in each state.
func (o *Outbox) Counts() map[State]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	c := map[State]int{}
	for _, n := range o.items {
		c[n.State]++
	}
	return c
}
