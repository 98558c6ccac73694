package notify

import (
	"context"
	"sync"
	"time"
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
	N         int       `json:"n"`
	At        time.Time `json:"at"` // on the mock's clock
	Status    int       `json:"status,omitempty"`
	Response  string    `json:"response,omitempty"` // the body, cut at 1 KiB
	LatencyMS float64   `json:"latency_ms"`         // wall time
	Error     string    `json:"error,omitempty"`
	OK        bool      `json:"ok"`
}

// Notification is one asynchronous notification and its delivery history.
type Notification struct {
	ID          string            `json:"id"`
	NotifyID    string            `json:"notify_id"`
	AppID       string            `json:"app_id"`
	OutTradeNo  string            `json:"out_trade_no"`
	TradeNo     string            `json:"trade_no"`
	Event       string            `json:"event"`
	TradeStatus string            `json:"trade_status"`
	URL         string            `json:"url"`
	Charset     string            `json:"charset"`
	Params      map[string]string `json:"params"`
	// Body is the exact form body every attempt sends.
	Body        string     `json:"body"`
	Created     time.Time  `json:"created"`
	State       State      `json:"state"`
	Attempts    []Attempt  `json:"attempts"`
	NextAttempt *time.Time `json:"next_attempt,omitempty"`

	round int    // attempts before the current round (set by a resend)
	gen   int    // generation of the planned attempt
	key   string // scheduler key: one trade's (or red packet's) notifications stay in order
}

func (n *Notification) clone() Notification {
	c := *n
	c.Attempts = append([]Attempt(nil), n.Attempts...)
	if n.NextAttempt != nil {
		t := *n.NextAttempt
		c.NextAttempt = &t
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

// Outbox keeps every notification with every attempt.
type Outbox struct {
	mu      sync.Mutex
	items   map[string]*Notification
	order   []string
	changed chan struct{}
	store   Store
}

// NewOutbox makes an empty outbox.
func NewOutbox() *Outbox {
	return &Outbox{items: map[string]*Notification{}, changed: make(chan struct{})}
}

func (o *Outbox) notifyLocked() {
	close(o.changed)
	o.changed = make(chan struct{})
}

func (o *Outbox) add(n *Notification) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.items[n.ID] = n
	o.order = append(o.order, n.ID)
	o.writeLocked(n)
	o.notifyLocked()
}

// update changes a notification under the lock; false if it is gone.
func (o *Outbox) update(id string, f func(n *Notification)) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	n, ok := o.items[id]
	if !ok {
		return false
	}
	f(n)
	o.writeLocked(n)
	o.notifyLocked()
	return true
}

// Get returns one notification.
func (o *Outbox) Get(id string) (Notification, bool) {
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
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.listLocked(f)
}

func (o *Outbox) listLocked(f Filter) []Notification {
	out := []Notification{}
	for _, id := range o.order {
		if n := o.items[id]; f.match(n) {
			out = append(out, n.clone())
		}
	}
	return out
}

// Wait returns the notifications matching f as soon as there is at least
// one, or what there is (possibly nothing) when ctx ends: a long poll, so
// tests never sleep.
func (o *Outbox) Wait(ctx context.Context, f Filter) []Notification {
	for {
		o.mu.Lock()
		list := o.listLocked(f)
		ch := o.changed
		o.mu.Unlock()
		if len(list) > 0 {
			return list
		}
		select {
		case <-ctx.Done():
			return list
		case <-ch:
		}
	}
}

// Clear forgets the notifications of one app, or all.
func (o *Outbox) Clear(app string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	keep := o.order[:0]
	for _, id := range o.order {
		if app == "" || o.items[id].AppID == app {
			delete(o.items, id)
			continue
		}
		keep = append(keep, id)
	}
	o.order = keep
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
