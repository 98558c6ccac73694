package notify

import (
	"container/heap"
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
	// GiveUp gives the stored notification id up to the pending bound
	// (GiveUpToBound) by a write that applies only while it is pending,
	// unchanged since read, and neither held by a live lease nor waiting
	// for a resend recorded under one; the write lets go of a lease run
	// out. It returns the notification as written, or as stored when it
	// is no longer pending (none when it is gone).
	GiveUp(id string) (Notification, GiveUpResult, error)
}

// GiveUpResult is what Jobs.GiveUp did.
type GiveUpResult int

// GiveUp's results.
const (
	GaveUp     GiveUpResult = iota // given up by this call
	NotPending                     // final already (given up elsewhere too), or gone
	Held                           // an attempt in flight (a live lease) or a resend waiting for one: left pending
)

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
	n.outbox.rebuildPendingLocked() // in the shared order (bound.go)
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

// boundPass is the most notifications one BoundShared tries: a start
// with a much lower bound gives them up over several passes, the follow
// going on between them.
const boundPass = 256

// BoundShared applies the pending bound with a shared schedule. Each
// replica's outbox follows every replica's notifications, so its pending
// count is theirs (a follow poll behind at most). While it is past the
// bound, the oldest pending ones in the shared order (bound.go: when made
// or sent again, then id; the same on every replica) are given up in the
// store (Jobs.GiveUp), this outbox taking the stored copy at once and the
// others following the write as any other. One whose attempt is in flight
// is passed over for the next oldest, and bounded at a later pass once
// written back. Replicas passing at once pick the same ones, and one found
// no longer pending counts as done (this outbox takes the stored copy): a
// replica gives up more than needed only for each notification that
// became final in the store within its last follow poll and that it did
// not pick. Every replica calls it after each follow (mock/replicas.go),
// off the requests' path.
func (n *Notifier) BoundShared(onErr func(error)) {
	o := n.outbox
	over := o.overPending()
	tried := map[string]bool{}
	var gone []Notification
	defer func() { o.tellGivenUp(gone) }()
	for budget := boundPass; over > 0 && budget > 0; {
		ids := o.oldestPending(min(over, budget), tried)
		if len(ids) == 0 {
			return
		}
		for _, id := range ids {
			if over == 0 {
				return
			}
			budget--
			tried[id] = true
			nf, res, err := n.shared.jobs.GiveUp(id)
			if err != nil {
				if onErr != nil {
					onErr(err)
				}
				return
			}
			switch res {
			case GaveUp:
				n.Follow([]Notification{nf})
				nf.Params, nf.Body = nil, ""
				gone = append(gone, nf)
				over--
			case NotPending: // this outbox was behind the store
				if nf.ID != "" {
					n.Follow([]Notification{nf})
				}
				over--
			}
		}
	}
}

// overPending is how many pending notifications are past the bound.
func (o *Outbox) overPending() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.maxPending <= 0 {
		return 0
	}
	return o.counts[Pending] - o.maxPending
}

// oldestPending is the ids of the k oldest pending notifications in the
// bound's order, but those skip names.
func (o *Outbox) oldestPending(k int, skip map[string]bool) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var kept []pendingAt
	var ids []string
	for len(ids) < k && len(o.pending) > 0 {
		p := heap.Pop(&o.pending).(pendingAt)
		nf, ok := o.hot[p.seq]
		if !ok || nf.State != Pending {
			continue // no longer pending: out of the heap
		}
		kept = append(kept, p)
		if !skip[nf.ID] {
			ids = append(ids, nf.ID)
		}
	}
	for _, p := range kept {
		heap.Push(&o.pending, p)
	}
	return ids
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
