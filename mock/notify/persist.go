package notify

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Store is where the outbox writes notifications through when persistence
// is on: each one when it is queued and after every attempt.
type Store interface {
	PutNotification(Notification) error
	DeleteNotifications(app string) error     // "" deletes every notification
	RemoveNotifications([]Notification) error // the notifications eviction dropped
}

// Persist makes the outbox write through s from now on.
func (o *Outbox) Persist(s Store) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.store = s
}

// writeLocked stores one notification; the lock is held. Delivery goes on
// in memory whether or not the write succeeds; the store reports failures.
func (o *Outbox) writeLocked(n *Notification) {
	if o.store != nil {
		_ = o.store.PutNotification(n.clone()) // unpacked: the store keeps Params and Body
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
		if old, ok := o.items[c.ID]; ok {
			o.unindexLocked(old)
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
	o.evictLocked()
	o.wakeLocked(nil)
	o.mu.Unlock()
	if n.seq.Load() < max {
		n.seq.Store(max)
	}
	for _, p := range plans {
		n.plan(p.id, p.key, p.gen, p.at)
	}
}

// record is a notification as stored, private state included.
type record struct {
	Notification
	Round  int    `json:"round"`
	Key    string `json:"key"`
	BadSig bool   `json:"bad_sig,omitempty"`
}

// Marshal encodes a notification for a store.
func Marshal(n Notification) ([]byte, error) {
	return json.Marshal(record{Notification: n, Round: n.round, Key: n.schedKey(), BadSig: n.badSig})
}

// Unmarshal decodes what Marshal wrote.
func Unmarshal(b []byte) (Notification, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return Notification{}, fmt.Errorf("notification: %w", err)
	}
	r.Notification.round, r.Notification.key, r.Notification.badSig = r.Round, r.Key, r.BadSig
	return r.Notification, nil
}
