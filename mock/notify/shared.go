package notify

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

// Jobs is a schedule of delivery attempts that several mock processes
// share (pgstore): the outbox's store keeps each pending notification's
// next attempt as a job, and Claim leases the due ones to one replica, so
// each attempt is made by exactly one of them; a replica that dies lets
// its leases expire and another takes the attempts over.
type Jobs interface {
	// Claim leases up to max pending notifications whose next attempt is
	// due at now (the mock's clock) and that no live lease holds.
	Claim(now time.Time, max int) ([]Notification, error)
	// Renew extends the leases this replica still holds of the
	// notifications ids names: their attempts are still being made.
	Renew(ids []string) error
	// Resend applies Notification.Resend(at) to the notification id as
	// stored and returns it as stored (false: there is none). While a
	// live lease holds it, the resend is recorded instead, and the
	// holder's write-back applies it after its attempt: a resend never
	// takes a lease away nor writes over an attempt.
	Resend(id string, at time.Time) (Notification, bool, error)
}

// shared is the notifier's state when it delivers from Jobs.
type shared struct {
	jobs Jobs
	wake chan struct{}
}

// Share makes the notifier deliver from a shared schedule from now on:
// attempts are planned in the store (the outbox's store must be the one
// jobs reads) instead of on this process's scheduler, and RunShared makes
// those that fall due. Notification ids start after first, so replicas'
// ids stay apart. Call it before the notifier is used.
func (n *Notifier) Share(jobs Jobs, first int64) {
	n.shared = &shared{jobs: jobs, wake: make(chan struct{}, 1)}
	n.outbox.mu.Lock()
	n.outbox.shared = true
	// The database holds the schedule: a give-up in one replica's memory
	// would not hold (bound.go).
	n.outbox.maxPending, n.outbox.pending = 0, nil
	n.outbox.mu.Unlock()
	n.seq.Store(first)
}

// Lease is how long a claimed attempt is held by its replica: longer than
// an attempt can take, so that a live replica never loses one it is making.
func (n *Notifier) Lease() time.Duration { return n.opts.Timeout + 2*time.Second }

// poke tells the delivery loop to look for due attempts now.
func (s *shared) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// RunShared makes the due attempts of the shared schedule until stop is
// closed: when this process plans one, when the clock moves, and at least
// every poll (so that another replica's jobs and expired leases are taken
// over within a poll of falling due).
func (n *Notifier) RunShared(stop <-chan struct{}, poll time.Duration, onErr func(error)) {
	s := n.shared
	clk := n.sched.Clock()
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		moved := clk.Moved()
		for {
			due, err := s.jobs.Claim(clk.Now(), 64)
			if err != nil && onErr != nil {
				onErr(err)
			}
			if len(due) == 0 {
				break
			}
			n.deliverHeld(due, onErr)
		}
		select {
		case <-stop:
			return
		case <-s.wake:
		case <-moved:
		case <-t.C:
		}
	}
}

// deliverHeld is deliver that keeps the claimed leases while it runs: a
// key's attempts are made one after another, each up to the timeout, so
// without renewal the lease of the last of several would lapse before it
// was made, and another replica would make it too.
func (n *Notifier) deliverHeld(due []Notification, onErr func(error)) {
	ids := make([]string, len(due))
	for i, nf := range due {
		ids[i] = nf.ID
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(n.Lease() / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if err := n.shared.jobs.Renew(ids); err != nil && onErr != nil {
					onErr(err)
				}
			}
		}
	}()
	n.deliver(due)
	close(stop)
	<-stopped
}

// deliver makes the claimed attempts: one notification key after another
// in order of due time, keys side by side.
func (n *Notifier) deliver(due []Notification) {
	sort.SliceStable(due, func(i, j int) bool { return due[i].NextAttempt.Before(*due[j].NextAttempt) })
	byKey := map[string][]Notification{}
	var keys []string
	for _, nf := range due {
		if _, ok := byKey[nf.key]; !ok {
			keys = append(keys, nf.key)
		}
		byKey[nf.key] = append(byKey[nf.key], nf)
	}
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Add(1)
		go func(list []Notification) {
			defer wg.Done()
			for _, nf := range list {
				gen := n.outbox.install(nf)
				n.attempt(nf.ID, nf.key, gen, *nf.NextAttempt)
			}
		}(byKey[k])
	}
	wg.Wait()
}

// resendShared is Resend with a shared schedule: the store applies it to
// the stored notification, not to this replica's copy, which may be
// behind it (the follow's lag) or have an attempt in flight elsewhere.
func (n *Notifier) resendShared(id string) error {
	nf, ok, err := n.shared.jobs.Resend(id, n.sched.Clock().Now())
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w %s", ErrNoNotification, id)
	}
	n.Follow([]Notification{nf})
	n.shared.poke()
	return nil
}

// install puts a notification read from the shared store in the outbox,
// replacing this process's copy, and returns its new generation. Nothing
// is written: the store holds it.
func (o *Outbox) install(nf Notification) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	c := nf.clone()
	if seq, ok := o.seqOf(c.ID); ok {
		old := o.headLocked(seq)
		c.gen = old.gen
		o.unindexLocked(seq, old)
	}
	c.gen++
	o.indexLocked(&c)
	o.wakeLocked(&c)
	return c.gen
}

// Follow puts notifications another replica wrote in this outbox, so its
// lists and waiters see every replica's notifications. A copy that has
// seen more attempts than the one read is kept (the read was older).
func (n *Notifier) Follow(ns []Notification) {
	o := n.outbox
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := range ns {
		c := ns[i].clone()
		if seq, ok := o.seqOf(c.ID); ok {
			old, ok := o.loadLocked(seq)
			if !ok {
				continue // not readable here: keep what is kept
			}
			if old.made() > c.made() {
				continue
			}
			// A new copy, never a write through the old one: whoever
			// queued it may still read it.
			c.gen = old.gen
			o.unindexLocked(seq, o.headLocked(seq))
		}
		o.indexLocked(&c)
		o.wakeLocked(&c)
	}
	o.evictLocked()
}
