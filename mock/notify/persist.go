package notify

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Store is where the outbox writes notifications through when persistence
// is on: each one when it is queued and after every change. Writes are
// queued under the outbox's lock, in order, and share one commit
// (mock/store's group commit).
type Store interface {
	// PutNotification queues a notification to be written (a later call's
	// state wins) and returns a wait for it to be on disk; the wait may
	// report ErrToldElsewhere for a write that carries its event's mark.
	PutNotification(Notification) (wait func() error)
	// DeleteNotifications deletes every notification ("") or one app's,
	// and in the same change the untold marks of marked (Told); it waits.
	// last is the number of the last id handed out (ntf_%06d): a store
	// whose restart numbers on from what it holds keeps it in the same
	// change, so that no cleared id is handed out again (Numbered).
	DeleteNotifications(app string, marked []Notification, last int64) error
	RemoveNotifications([]Notification) error // the notifications eviction dropped; queued
	// Sync waits for everything queued so far to be on disk.
	Sync() error
}

// Mark is an untold mark: the event a notification tells.
type Mark struct {
	Kind  MarkKind
	AppID string // the trade's, red packet's or transfer's app
	No    string // its trade_no, auth_no or out_biz_no
	Event int    // the event's index in its History (a transfer's: fund.StatusEvent)
}

// MarkKind is what a marked event happened to.
type MarkKind int

// The kinds of marks.
const (
	MarkTrade MarkKind = iota
	MarkRedPacket
	MarkTransfer
)

// Told is the event a notification tells, when its write is to clear
// that event's untold mark (trade.Untold, coupon.Untold, fund.Untold) in
// the same commit. Every write carries it until one of them is on disk:
// a mark whose notification is stored would make it again at the next
// start.
func (n *Notification) Told() (Mark, bool) {
	if n.event <= 0 {
		return Mark{}, false
	}
	switch {
	case n.transfer != "":
		return Mark{Kind: MarkTransfer, AppID: n.transfer, No: n.OutTradeNo, Event: n.event - 1}, true
	case n.packet:
		return Mark{Kind: MarkRedPacket, AppID: n.AppID, No: n.TradeNo, Event: n.event - 1}, true
	}
	return Mark{Kind: MarkTrade, AppID: n.AppID, No: n.TradeNo, Event: n.event - 1}, true
}

// WriteBack reports whether a write is one after the notification's
// first (which stores it): with a shared store, an attempt's write-back,
// applied only while this replica holds the notification's lease
// (NotHeld), never making the notification again.
func (n *Notification) WriteBack() bool { return n.writeBack }

// AsWriteBack is n written as every write after its first is (WriteBack).
func (n Notification) AsWriteBack() Notification {
	n.writeBack = true
	return n
}

// Resend plans the notification's attempt at at, whatever its state,
// with the retry schedule started over from its next attempt (a round).
func (n *Notification) Resend(at time.Time) {
	n.State, n.Reason = Pending, ""
	n.round = n.made()
	n.NextAttempt = &at
	n.resent = at
}

// NotHeld is a shared store's answer to an attempt's write-back that it
// did not apply as written: this replica no longer holds the lease (a
// reset or clear deleted the notification, or another replica took the
// lease over after this one stalled past it), or a resend asked while
// the attempt was in flight was applied to it. Stored is the
// notification as stored, nil when there is none; the outbox takes it up
// in place of its copy.
type NotHeld struct{ Stored *Notification }

func (e *NotHeld) Error() string {
	if e.Stored == nil {
		return "notification: gone from the store"
	}
	return "notification: the store holds another copy"
}

// ErrToldElsewhere is a store's answer to a notification's first write
// that stored nothing because its event's untold mark was gone: another
// replica's notification of that event (a live insert, or the sweep's
// retell, --store) holds it. The event is told; this copy is not.
var ErrToldElsewhere = errors.New("notification: its event is told by another notification")

// Persist makes the outbox write through s from now on.
func (o *Outbox) Persist(s Store) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.store = s
}

// writeLocked queues one notification to be stored; the lock is held. It
// returns a wait for it to be on disk. Delivery goes on in memory whether
// or not the write succeeds (with --data; with --store, add drops a
// notification whose first write failed); the store reports failures.
//
// While its event is still marked untold (its first write failed, or is
// not yet known to be on disk) the write carries the mark's deletion.
func (o *Outbox) writeLocked(n *Notification, creates bool) func() error {
	if o.store == nil {
		return synced
	}
	c := n.clone() // unpacked: the store keeps Params and Body
	c.writeBack = !creates
	if t, ok := o.untold[n.seq]; ok {
		c.event, c.packet, c.transfer = t.event, t.packet, t.transfer
	}
	return o.store.PutNotification(c)
}

// forgetWhenStored forgets the untold mark of the notification at seq
// once wait reports the write that carried its deletion on disk: a later
// write than the first, which add waits for itself. The lock is held; the
// wait runs aside (rare: only after a failed write).
func (o *Outbox) forgetWhenStored(seq uint64, wait func() error) {
	t, ok := o.untold[seq]
	if !ok {
		return
	}
	go func() {
		if wait() != nil {
			return
		}
		o.mu.Lock()
		if o.untold[seq] == t {
			delete(o.untold, seq)
		}
		o.mu.Unlock()
	}()
}

func synced() error { return nil }

// sync waits, outside the lock, until what the outbox queued so far is on
// disk: readers see only what a crash would keep.
func (o *Outbox) sync() {
	o.mu.Lock()
	s := o.store
	o.mu.Unlock()
	if s != nil {
		_ = s.Sync() // the store reports failures
	}
}

// Restore puts stored notifications back in their order and plans the
// pending ones again: an attempt that was due while the mock was down runs
// at once. Numbering carries on after the highest id. Nothing is written:
// the store already holds all of it.
func (n *Notifier) Restore(ns []Notification) {
	type planned struct {
		id, key string
		gen     int
		at      time.Time
	}
	var plans []planned
	now := n.sched.Clock().Now()
	o := n.outbox
	o.mu.Lock()
	var max int64
	for i := range ns {
		c := ns[i].clone()
		if seq, ok := o.seqOf(c.ID); ok {
			o.unindexLocked(seq, o.headLocked(seq))
		}
		if v, err := strconv.ParseInt(strings.TrimPrefix(c.ID, "ntf_"), 10, 64); err == nil && v > max {
			max = v
		}
		if c.State == Pending {
			at := now
			if c.NextAttempt != nil && c.NextAttempt.After(now) {
				at = *c.NextAttempt
			}
			c.gen++
			c.NextAttempt = &at
			plans = append(plans, planned{c.ID, c.schedKey(), c.gen, at})
		}
		o.indexLocked(&c)
	}
	gone := o.boundLocked(0) // a start with a lower bound
	plans = slices.DeleteFunc(plans, func(p planned) bool {
		seq, ok := o.seqOf(p.id)
		_, pending := o.hot[seq]
		return !ok || !pending
	})
	o.evictLocked()
	o.wakeLocked(nil)
	o.mu.Unlock()
	o.tellGivenUp(gone)
	n.Numbered(max)
	for _, p := range plans {
		n.plan(p.id, p.key, p.gen, p.at)
	}
}

// Numbered makes ids carry on after ntf_<last> (the last id a store says
// was handed out, though a clear took it away) if they would not already.
func (n *Notifier) Numbered(last int64) {
	for {
		cur := n.seq.Load()
		if cur >= last || n.seq.CompareAndSwap(cur, last) {
			return
		}
	}
}

// record is a notification as stored, private state included.
type record struct {
	Notification
	Round  int    `json:"round"`
	Key    string `json:"key"`
	BadSig bool   `json:"bad_sig,omitempty"`
	// Resent is when a shared store's resend made it pending again.
	Resent *time.Time `json:"resent,omitempty"`
	// Made is when it was made on the mock's clock (absent before it was
	// kept: Created stands in).
	Made *time.Time `json:"made,omitempty"`
}

// Marshal encodes a notification for a store.
func Marshal(n Notification) ([]byte, error) {
	r := record{Notification: n, Round: n.round, Key: n.schedKey(), BadSig: n.badSig}
	if !n.resent.IsZero() {
		r.Resent = &n.resent
	}
	if !n.madeAt.IsZero() {
		r.Made = &n.madeAt
	}
	return json.Marshal(r)
}

// Unmarshal decodes what Marshal wrote.
func Unmarshal(b []byte) (Notification, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return Notification{}, fmt.Errorf("notification: %w", err)
	}
	r.Notification.round, r.Notification.key, r.Notification.badSig = r.Round, r.Key, r.BadSig
	if r.Resent != nil {
		r.Notification.resent = *r.Resent
	}
	if r.Made != nil {
		r.Notification.madeAt = *r.Made
	}
	return r.Notification, nil
}
