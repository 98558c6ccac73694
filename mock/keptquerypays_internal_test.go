package mock

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// heldWrites is a data file whose writes of waiting buyers the test
// answers: each is held until the test lets it through, with an error
// or not.
type heldWrites struct {
	mu     sync.Mutex
	writes []*heldWrite
	queued chan struct{} // one per write queued
}

type heldWrite struct {
	done  chan struct{} // closed: answered
	gate  chan struct{} // closed: its own caller's wait returns (other waits need done only)
	calls atomic.Int32
	err   error
}

func newHeldWrites() *heldWrites { return &heldWrites{queued: make(chan struct{}, 16)} }

func (h *heldWrites) queue() func() error {
	w := &heldWrite{done: make(chan struct{}), gate: make(chan struct{})}
	h.mu.Lock()
	h.writes = append(h.writes, w)
	h.mu.Unlock()
	h.queued <- struct{}{}
	return func() error {
		first := w.calls.Add(1) == 1
		<-w.done
		if first {
			<-w.gate
		}
		return w.err
	}
}

func (h *heldWrites) QueueQueryPay(string, string, []byte) func() error { return h.queue() }
func (h *heldWrites) QueueDeleteQueryPays(string) func() error          { return h.queue() }

// answer answers write i (from 0) with err; open lets its own caller go.
func (h *heldWrites) answer(i int, err error, open bool) {
	h.mu.Lock()
	w := h.writes[i]
	h.mu.Unlock()
	w.err = err
	close(w.done)
	if open {
		close(w.gate)
	}
}

func (h *heldWrites) open(i int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	close(h.writes[i].gate)
}

// put keeps a buyer waiting for left queries, its write answered at once.
func (h *heldWrites) put(t *testing.T, k *keptQueryPays, left int) {
	t.Helper()
	done := make(chan error)
	go func() { done <- k.PutQueryPay("app", "OUT-1", "T1", left, nil) }()
	<-h.queued
	h.mu.Lock()
	i := len(h.writes) - 1
	h.mu.Unlock()
	h.answer(i, nil, true)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

var errNotKept = errors.New("test: not kept")

// Two counts of one buyer whose writes fail in one batch leave memory
// with what the disk holds (two left), not with the count between
// (the later undo putting back what memory held before it).
func TestKeptQueryCountsFailedTogetherLeaveWhatTheDiskHolds(t *testing.T) {
	h := newHeldWrites()
	k := &keptQueryPays{db: h, m: map[string]keptQueryPay{}, ks: map[string]*queryPayState{}}
	h.put(t, k, 2)
	first, second := make(chan error), make(chan error)
	go func() { _, _, _, err := k.TakeQuery("app", "OUT-1"); first <- err }()
	<-h.queued
	go func() { _, _, _, err := k.TakeQuery("app", "OUT-1"); second <- err }()
	<-h.queued
	// One batch, failed: the first count's query ends first.
	h.answer(1, errNotKept, true)
	if err := <-first; err == nil {
		t.Fatal("the first count not kept: want its error")
	}
	h.answer(2, errNotKept, true)
	if err := <-second; err == nil {
		t.Fatal("the second count not kept: want its error")
	}
	if q := k.m["app|OUT-1"]; q.Left != 2 {
		t.Fatalf("after both counts failed the buyer waits for %d queries in memory, want the 2 the disk holds", q.Left)
	}
}

// A reset whose delete is kept while a paid buyer's removal fails: the
// removal's undo never brings the buyer back, whichever ends first.
func TestKeptQueryBuyerResetWhileItsRemovalFailsStaysGone(t *testing.T) {
	for _, undoLast := range []bool{true, false} {
		h, k := paying(t)
		removed := make(chan error)
		go func() { removed <- k.EndQueryPay("app", "OUT-1", true) }()
		<-h.queued
		reset := make(chan error)
		go func() { reset <- k.forget("") }()
		<-h.queued
		if undoLast {
			h.answer(1, errNotKept, false)
			h.answer(2, nil, true)
			if err := <-reset; err != nil {
				t.Fatal(err)
			}
			h.open(1)
			<-removed
		} else {
			h.answer(1, errNotKept, true)
			<-removed
			h.answer(2, nil, true)
			if err := <-reset; err != nil {
				t.Fatal(err)
			}
		}
		if n := len(k.m); n != 0 {
			t.Fatalf("undo last %v: %d buyers waiting in memory after the reset, want none", undoLast, n)
		}
	}
}

// A payment not kept puts the buyer back, unless a reset came meanwhile.
func TestKeptQueryBuyerNotPaidIsNotPutBackAfterAReset(t *testing.T) {
	h, k := paying(t)
	reset := make(chan error)
	go func() { reset <- k.forget("") }()
	<-h.queued
	h.answer(1, nil, true)
	if err := <-reset; err != nil {
		t.Fatal(err)
	}
	if err := k.EndQueryPay("app", "OUT-1", false); err != nil {
		t.Fatal(err)
	}
	if n := len(k.m); n != 0 {
		t.Fatalf("%d buyers waiting in memory after a reset and a payment not kept, want none", n)
	}
	if n := len(k.ks); n != 0 {
		t.Fatalf("%d keys followed after everything settled, want none", n)
	}
}

// A paid buyer whose record's removal the file fails to take does not
// come back in memory, waiting to pay again: its payment is kept, and
// the start after drops the record (its trade is paid).
func TestKeptQueryPaidBuyerWhoseRemovalFailsDoesNotWaitAgain(t *testing.T) {
	h, k := paying(t)
	removed := make(chan error)
	go func() { removed <- k.EndQueryPay("app", "OUT-1", true) }()
	<-h.queued
	h.answer(1, errNotKept, true)
	<-removed
	if q, ok := k.m["app|OUT-1"]; ok {
		t.Fatalf("the buyer whose payment was kept waits again in memory (%+v), to pay on the next query", q)
	}
}

// paying is a waiting buyer (app, OUT-1) kept with no queries left, and
// the query that counted it out to pay: its payment not yet ended.
func paying(t *testing.T) (*heldWrites, *keptQueryPays) {
	t.Helper()
	h := newHeldWrites()
	k := &keptQueryPays{db: h, m: map[string]keptQueryPay{}, ks: map[string]*queryPayState{}}
	h.put(t, k, 0)
	if pay, _, _, err := k.TakeQuery("app", "OUT-1"); !pay || err != nil {
		t.Fatalf("the paying query: %v %v", pay, err)
	}
	return h, k
}
