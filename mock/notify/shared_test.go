package notify

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// leaseDB is a shared store as pgstore keeps it: a write stores the
// notification and its next attempt and lets go of its lease; Claim
// leases the due ones no lease holds. Leases do not run out here.
type leaseDB struct {
	mu    sync.Mutex
	rows  map[string]*leaseRow
	onPut func(owner string, n Notification) // called before a write is applied
}

type leaseRow struct {
	n     Notification
	owner string // the lease's holder, "" when none
}

// replica is one replica's view of the store.
type replica struct {
	db    *leaseDB
	owner string
}

func (r replica) PutNotification(n Notification) func() error {
	if r.db.onPut != nil {
		r.db.onPut(r.owner, n)
	}
	r.db.mu.Lock()
	defer r.db.mu.Unlock()
	r.db.rows[n.ID] = &leaseRow{n: n.clone()}
	return synced
}

func (replica) DeleteNotifications(string, []Notification, int64) error { return nil }
func (replica) RemoveNotifications([]Notification) error                { return nil }
func (replica) Sync() error                                             { return nil }
func (replica) Renew([]string) error                                    { return nil }

func (r replica) GiveUp(id string) (Notification, GiveUpResult, error) {
	r.db.mu.Lock()
	defer r.db.mu.Unlock()
	row, ok := r.db.rows[id]
	switch {
	case !ok:
		return Notification{}, NotPending, nil
	case row.n.State != Pending:
		return row.n.clone(), NotPending, nil
	case row.owner != "":
		return Notification{}, Held, nil
	}
	row.n.GiveUpToBound()
	return row.n.clone(), GaveUp, nil
}

func (r replica) Resend(id string, at time.Time) (Notification, bool, error) {
	r.db.mu.Lock()
	defer r.db.mu.Unlock()
	row, ok := r.db.rows[id]
	if !ok {
		return Notification{}, false, nil
	}
	row.n.Resend(at)
	return row.n.clone(), true, nil
}

func (r replica) Claim(now time.Time, max int) ([]Notification, error) {
	r.db.mu.Lock()
	defer r.db.mu.Unlock()
	var out []Notification
	for _, row := range r.db.rows {
		n := row.n
		if len(out) == max || n.State != Pending || n.NextAttempt == nil || n.NextAttempt.After(now) || row.owner != "" {
			continue
		}
		row.owner = r.owner
		out = append(out, n.clone())
	}
	return out, nil
}

// An attempt's result and its next due time are one write: a second one
// made after it would let go of a lease another replica took in between
// (the next attempt fell due: the clock moved), with the attempt still
// due, so a third replica would make it too. Here replica B makes the
// first attempt; should B write the notification again after its result,
// the clock moves 4 minutes before that write lands and replica A claims
// the second attempt, which then must stay A's alone.
func TestAnAttemptIsWrittenOnceSoNoLaterWriteFreesAnotherReplicasLease(t *testing.T) {
	var calls atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = w.Write([]byte("fail"))
	}))
	defer hook.Close()
	t0 := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	clk := clock.NewManual(t0)
	db := &leaseDB{rows: map[string]*leaseRow{}}
	mk := func(owner string, first int64) (*Notifier, replica) {
		r := replica{db: db, owner: owner}
		o := NewOutbox()
		o.Persist(r)
		n := New(keys.DevAlipayPrivateKey(), clock.NewScheduler(clk, 1), fixtures.New(1), o, Options{Timeout: 3 * time.Second})
		n.Share(r, first)
		return n, r
	}
	a, ra := mk("A", 0)
	b, rb := mk("B", 1_000_000_000)
	tr := trade.Trade{AppID: "2021000000000001", TradeNo: "2026112322000000000000000001", OutTradeNo: "LEASE-1",
		Status: trade.Success, Subject: "s", Total: amount.MustParse("10.00"),
		NotifyURL: hook.URL + "/notify", Created: t0, Paid: &t0}
	if err := a.TradeEvent(tr, trade.Event{At: t0, Type: trade.EventPaid, Status: trade.Success}); err != nil {
		t.Fatal(err)
	}

	// B claims and makes the first attempt; a write of its result after
	// the first one is held back past A's claim of the second attempt.
	var heldByA []Notification
	results := 0
	db.onPut = func(owner string, n Notification) {
		if owner != "B" || len(n.Attempts) != 1 {
			return
		}
		if results++; results == 2 {
			heldByA = claimSecond(t, clk, ra)
		}
	}
	due, _ := rb.Claim(clk.Now(), 64)
	if len(due) != 1 {
		t.Fatalf("B claimed %d, want the first attempt", len(due))
	}
	b.deliverHeld(due, nil)
	if calls.Load() != 1 {
		t.Fatalf("%d calls after the first attempt, want 1", calls.Load())
	}
	if results == 1 {
		heldByA = claimSecond(t, clk, ra)
	}
	db.onPut = nil
	if len(heldByA) != 1 {
		t.Fatalf("A claimed %d, want the second attempt", len(heldByA))
	}
	if again, _ := rb.Claim(clk.Now(), 64); len(again) != 0 {
		t.Fatalf("B claimed the second attempt A holds: %d writes of the first attempt's result let go of A's lease", results)
	}
}

// claimSecond moves the clock to the second attempt and claims it for r.
func claimSecond(t *testing.T, clk *clock.Sim, r replica) []Notification {
	t.Helper()
	now := clk.Advance(4 * time.Minute)
	due, err := r.Claim(now, 64)
	if err != nil {
		t.Fatal(err)
	}
	return due
}
