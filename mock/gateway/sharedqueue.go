package gateway

import (
	"bytes"
	"encoding/json"
	"sync/atomic"

	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// QueueStore keeps the queued answers for several mock processes at once
// (pgstore): UpdateFaults runs f on the stored queue under a lock that
// excludes every replica's update, and stores what f returns when changed.
type QueueStore interface {
	UpdateFaults(f func(state []byte) (next []byte, changed bool)) error
}

// queueState is the stored queue.
type queueState struct {
	Seq  int      `json:"seq"`
	List []Answer `json:"list"`
}

// sharedQueue is a queue's link to its store.
type sharedQueue struct {
	store QueueStore
	any   atomic.Bool // answers are queued: a request must look in the store
}

// Share makes the queue the one in s from now on: an answer queued on any
// replica answers one request on whichever replica it reaches, as many
// times as it says in all.
func (f *Queue) Share(s QueueStore) error {
	sh := &sharedQueue{store: s}
	err := s.UpdateFaults(func(stored []byte) ([]byte, bool) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.loadLocked(sh, stored)
		return nil, false
	})
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.shared = sh
	f.mu.Unlock()
	return nil
}

// Refresh takes up the queue another replica stored.
func (f *Queue) Refresh(stored []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.shared != nil {
		f.loadLocked(f.shared, stored)
	}
}

// change runs g on the queue under the lock: with a store, on the stored
// queue, written back when g changed it. When the store fails, memory
// keeps what the store holds, and the failure is trade.ErrStore.
func (f *Queue) change(g func()) error {
	f.mu.Lock()
	sh := f.shared
	f.mu.Unlock()
	if sh == nil {
		f.mu.Lock()
		defer f.mu.Unlock()
		g()
		return nil
	}
	var before, after []byte
	err := sh.store.UpdateFaults(func(stored []byte) ([]byte, bool) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.loadLocked(sh, stored)
		before = f.dumpLocked()
		g()
		after = f.dumpLocked()
		sh.any.Store(len(f.list) > 0)
		return after, !bytes.Equal(before, after)
	})
	if err == nil {
		return nil
	}
	if before != nil {
		f.mu.Lock()
		// Undone unless another replica's change was heard since.
		if bytes.Equal(f.dumpLocked(), after) {
			f.loadLocked(sh, before)
		}
		f.mu.Unlock()
	}
	return trade.StoreFailed(err)
}

func (f *Queue) dumpLocked() []byte {
	st := queueState{Seq: f.seq}
	for _, x := range f.list {
		st.List = append(st.List, *x)
	}
	b, _ := json.Marshal(st)
	return b
}

func (f *Queue) loadLocked(sh *sharedQueue, stored []byte) {
	var st queueState
	if len(stored) > 0 && json.Unmarshal(stored, &st) != nil {
		return // not a queue this version wrote: keep what there is
	}
	f.seq, f.list = st.Seq, nil
	for i := range st.List {
		x := st.List[i]
		out, err := NewOutcome(x.Code, x.SubCode, x.SubMsg, x.Execute)
		if err != nil {
			continue
		}
		x.outcome = out
		f.list = append(f.list, &x)
	}
	sh.any.Store(len(f.list) > 0)
}
