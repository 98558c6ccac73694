package notify

import (
	"container/heap"
	"time"
)

// DefaultMaxPending is how many pending notifications the outbox keeps
// unless told otherwise: past it the oldest is given up.
const DefaultMaxPending = 100_000

// ReasonPendingBound is the Reason of a notification given up because
// the pending ones were past the bound (Options.MaxPending).
const ReasonPendingBound = "pending bound reached (--max-pending-notifications)"

// The pending bound: a notification that becomes pending (made, or sent
// again) past it gives up the oldest other pending one at once, in the
// outbox's order, attempts kept: final like any given up, and evicted
// with --keep-notifications. The new one is never refused. With a shared
// store (--store) the database holds the schedule: the bound is applied
// there, after each follow of the replicas' notifications (BoundShared).

// pendingAt is a pending notification's place in the bound's order: its
// position; with a shared store, where each replica files a notification
// again whenever it changes, first when it became pending (made, or sent
// again: at one time, those made first), then its id's number, so that
// every replica has the same order.
type pendingAt struct {
	since int64
	again bool
	num   uint64
	seq   uint64
}

// seqHeap is the places of the pending notifications, oldest on top,
// with places no longer pending left in it until they reach the top.
type seqHeap []pendingAt

func (h seqHeap) Len() int { return len(h) }
func (h seqHeap) Less(i, j int) bool {
	a, b := h[i], h[j]
	if a.since != b.since {
		return a.since < b.since
	}
	if a.again != b.again {
		return b.again
	}
	if a.num != b.num {
		return a.num < b.num
	}
	return a.seq < b.seq
}
func (h seqHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *seqHeap) Push(x any)   { *h = append(*h, x.(pendingAt)) }
func (h *seqHeap) Pop() any {
	old := *h
	v := old[len(old)-1]
	*h = old[:len(old)-1]
	return v
}

// placeOf is n's place in the bound's order. The lock is held.
func (o *Outbox) placeOf(n *Notification) pendingAt {
	if !o.shared {
		return pendingAt{seq: n.seq}
	}
	num, _ := idNumber(n.ID)
	if !n.resent.IsZero() {
		return pendingAt{since: n.resent.UnixNano(), again: true, num: num, seq: n.seq}
	}
	return pendingAt{since: n.madeOn().UnixNano(), num: num, seq: n.seq}
}

// madeOn is when n was made on the mock's clock; Created (its event's
// time) for one stored before that was kept.
func (n *Notification) madeOn() time.Time {
	if n.madeAt.IsZero() {
		return n.Created
	}
	return n.madeAt
}

// GiveUpToBound makes n given up by the pending bound: final, nothing
// planned, ReasonPendingBound; its attempts stay.
func (n *Notification) GiveUpToBound() {
	n.State, n.NextAttempt, n.Reason = GivenUp, nil, ReasonPendingBound
}

// SetMaxPending bounds the pending notifications; 0 is no bound. The
// oldest past it are given up now.
func (o *Outbox) SetMaxPending(n int) {
	o.mu.Lock()
	o.maxPending = n
	o.rebuildPendingLocked()
	gone := o.boundLocked(0)
	o.mu.Unlock()
	o.tellGivenUp(gone)
}

// MaxPending is the most pending notifications kept; 0 is no bound.
func (o *Outbox) MaxPending() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.maxPending
}

// OnGiveUp sets what is called, outside the lock, with the notifications
// the bound gave up (heads and attempts, no form).
func (o *Outbox) OnGiveUp(f func([]Notification)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.givenUp = f
}

// isPending reports whether the notification id is pending, without
// waiting for the store.
func (o *Outbox) isPending(id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	seq, ok := o.seqOf(id)
	_, hot := o.hot[seq]
	return ok && hot
}

func (o *Outbox) tellGivenUp(gone []Notification) {
	if len(gone) == 0 {
		return
	}
	o.mu.Lock()
	f := o.givenUp
	o.mu.Unlock()
	if f != nil {
		f(gone)
	}
}

func (o *Outbox) rebuildPendingLocked() {
	o.pending = o.pending[:0]
	if o.maxPending <= 0 {
		o.pending = nil
		return
	}
	for _, n := range o.hot {
		o.pending = append(o.pending, o.placeOf(n))
	}
	heap.Init(&o.pending)
}

// pendingLocked files n, which became pending. The lock is held.
func (o *Outbox) pendingLocked(n *Notification) {
	if o.maxPending <= 0 {
		return
	}
	if len(o.pending) > 2*len(o.hot)+64 { // mostly positions no longer pending
		o.rebuildPendingLocked()
	}
	heap.Push(&o.pending, o.placeOf(n)) // filed twice at worst: harmless
}

// boundLocked gives up the oldest pending notifications but the one at
// except and those with an attempt in flight (at most --notify-workers)
// while more than maxPending are pending, and returns them. Each
// is written like any change (carrying its untold mark's deletion while
// it has one, so a restart neither plans it again nor tells its event
// again). The lock is held; tell the caller's hook after it.
func (o *Outbox) boundLocked(except uint64) []Notification {
	if o.maxPending <= 0 || o.shared {
		return nil
	}
	var gone []Notification
	var held []pendingAt // except, and those in flight: back in the heap after
	for o.counts[Pending] > o.maxPending && len(o.pending) > 0 {
		p := heap.Pop(&o.pending).(pendingAt)
		seq := p.seq
		n, ok := o.hot[seq]
		if !ok || n.State != Pending {
			continue // no longer pending
		}
		if seq == except || n.flying > 0 {
			// An attempt in flight is passed over, as with a shared
			// store (Jobs.GiveUp): its answer stands, and its write-back
			// applies the bound again (update).
			held = append(held, p)
			continue
		}
		n.GiveUpToBound()
		n.gen++ // the planned attempt no longer stands
		if o.counts[Pending]--; o.counts[Pending] <= 0 {
			delete(o.counts, Pending)
		}
		o.counts[GivenUp]++
		o.finished++
		o.ledger.Final(seq)
		o.placeLocked(n)
		o.forgetWhenStored(seq, o.writeLocked(n, false))
		c := *n
		c.Attempts = append([]Attempt(nil), n.Attempts...)
		c.Params, c.Body = nil, ""
		gone = append(gone, c)
		o.wakeLocked(n)
	}
	for _, p := range held {
		heap.Push(&o.pending, p)
	}
	if len(gone) > 0 {
		o.evictLocked()
		o.compactLocked()
	}
	return gone
}
