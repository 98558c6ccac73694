package notify

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Store is where the outbox writes notifications through when persistence
// is on: each one when it is queued and after every attempt.
type Store interface {
	PutNotification(Notification) error
	DeleteNotifications(app string) error // "" deletes every notification
}

// Persist makes the outbox write through s from now on.
func (o *Outbox) Persist(s Store) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.store = s
}

// writeLocked stores one notification; the lock is held. A failed write
// is kept in Err, since delivery goes on in memory either way.
func (o *Outbox) writeLocked(n *Notification) {
	if o.store == nil {
		return
	}
	if err := o.store.PutNotification(n.clone()); err != nil {
		o.err = err
	}
}

// Err is the last failure to write a notification through, if any.
func (o *Outbox) Err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// Restore puts stored notifications back in their order and plans the
// pending ones again: an attempt that was due while the mock was down runs
// at once. Numbering carries on after the highest id.
func (n *Notifier) Restore(ns []Notification) {
	o := n.outbox
	o.mu.Lock()
	var max int64
	for i := range ns {
		c := ns[i].clone()
		if _, ok := o.items[c.ID]; !ok {
			o.order = append(o.order, c.ID)
		}
		o.items[c.ID] = &c
		if v, err := strconv.ParseInt(strings.TrimPrefix(c.ID, "ntf_"), 10, 64); err == nil && v > max {
			max = v
		}
	}
	o.notifyLocked()
	o.mu.Unlock()
	if n.seq.Load() < max {
		n.seq.Store(max)
	}
	now := n.sched.Clock().Now()
	for _, nf := range ns {
		if nf.State != Pending {
			continue
		}
		at := now
		if nf.NextAttempt != nil && nf.NextAttempt.After(now) {
			at = *nf.NextAttempt
		}
		n.schedule(nf.ID, nf.key, at)
	}
}

// record is a notification as stored, private state included.
type record struct {
	Notification
	Round int    `json:"round"`
	Key   string `json:"key"`
}

// Marshal encodes a notification for a store.
func Marshal(n Notification) ([]byte, error) {
	return json.Marshal(record{Notification: n, Round: n.round, Key: n.key})
}

// Unmarshal decodes what Marshal wrote.
func Unmarshal(b []byte) (Notification, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return Notification{}, fmt.Errorf("notification: %w", err)
	}
	r.Notification.round, r.Notification.key = r.Round, r.Key
	return r.Notification, nil
}
