package notify

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock/clock"
)

// countingStore is a Store that writes nothing and counts the waits for
// the disk.
type countingStore struct{ syncs atomic.Int32 }

func (s *countingStore) PutNotification(Notification) func() error               { return synced }
func (s *countingStore) DeleteNotifications(string, []Notification, int64) error { return nil }
func (s *countingStore) RemoveNotifications([]Notification) error                { return nil }
func (s *countingStore) Sync() error                                             { s.syncs.Add(1); return nil }

// Clearing one app's notifications takes their planned attempts off the
// clock and leaves the others' there, looking each job's notification up
// without waiting for the store (it runs under the scheduler's lock,
// which every job and every clock change takes).
func TestClearLooksUpJobsWithoutWaitingForTheStore(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	sched := clock.NewScheduler(clock.NewSim(at, 0), 1)
	o := NewOutbox()
	st := &countingStore{}
	o.Persist(st)
	n := &Notifier{sched: sched, outbox: o}
	for i, app := range []string{"A", "B", "A", "B", "B"} {
		nf := &Notification{ID: "ntf_00000" + string(rune('1'+i)), AppID: app, OutTradeNo: app + "-O", State: Pending,
			Params: map[string]string{"app_id": app}}
		o.add(nf)
		n.schedule(nf.ID, nf.schedKey(), at.Add(time.Hour))
	}
	st.syncs.Store(0)
	n.Clear("A")
	if got := st.syncs.Load(); got != 0 {
		t.Fatalf("Clear waited for the store %d times while it held the scheduler's lock", got)
	}
	if got := sched.Pending(); got != 3 {
		t.Fatalf("%d jobs left on the clock after clearing app A, want app B's 3", got)
	}
}
