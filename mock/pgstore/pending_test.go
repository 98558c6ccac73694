package pgstore_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// givenUpByBound waits until replica m lists out's notification given up
// by the pending bound (a long poll of the control API) and returns it.
func givenUpByBound(t *testing.T, m *mocktest.Mock, out string) notify.Notification {
	t.Helper()
	list := m.Notifications("state=given_up&out_trade_no=" + out)
	if len(list) != 1 || list[0].Reason != notify.ReasonPendingBound || list[0].NextAttempt != nil {
		t.Fatalf("%s on %s: %+v; want it given up by the pending bound", out, m.URL, list)
	}
	return list[0]
}

// listedOne is out's one notification as replica m lists it.
func listedOne(t *testing.T, m *mocktest.Mock, out string) notify.Notification {
	t.Helper()
	list := m.Notifications("out_trade_no=" + out)
	if len(list) != 1 {
		t.Fatalf("%s lists %d notifications of %s, want 1", m.URL, len(list), out)
	}
	return list[0]
}

// storedRow is the columns of notification id the schedule reads.
func storedRow(t *testing.T, url, id string) (state string, next *time.Time, owner *string) {
	t.Helper()
	if err := pgtest.Conn(t, url).QueryRow(context.Background(), `SELECT state, next_at, lease_owner
		FROM alipay_mock_notifications WHERE id = $1`, id).Scan(&state, &next, &owner); err != nil {
		t.Fatal(err)
	}
	return state, next, owner
}

// pendingShown is notifications.pending and max_pending of m's
// /_mock/memory.
func pendingShown(t *testing.T, m *mocktest.Mock) (pending, max int) {
	t.Helper()
	var mem struct {
		Notifications struct {
			Pending    int `json:"pending"`
			MaxPending int `json:"max_pending"`
		} `json:"notifications"`
	}
	if err := json.Unmarshal(m.Control(http.MethodGet, "/memory", nil, http.StatusOK), &mem); err != nil {
		t.Fatal(err)
	}
	return mem.Notifications.Pending, mem.Notifications.MaxPending
}

// With --store the pending bound holds for the replicas together: past
// it the oldest pending notification, whichever replica made it, is
// given up in the database, with its reason, on every replica; it is
// never attempted again, and the others keep their schedule.
func TestReplicasPendingBoundGivesUpTheOldest(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "fail")
	rs, url := replicasAt(t, 2, mock.Options{Notify: notify.Options{MaxPending: 3}})
	outs := []string{"SB-1", "SB-2", "SB-3", "SB-4"}
	ids := map[string]string{}
	for i, out := range outs {
		if i > 0 {
			rs[0].Advance("1s") // made one after another on the shared clock
		}
		ids[out] = payNotified(t, rs[i%2], out, merchant.URL)
		waitCalls(t, merchant, i+1)
		if i < 3 {
			waitIdle(t, url, i+1) // written back: the oldest is not in flight at the bound
		}
	}
	for _, r := range rs {
		first := givenUpByBound(t, r, "SB-1")
		if first.ID != ids["SB-1"] || len(first.Attempts) != 1 {
			t.Errorf("SB-1 given up with %d attempts, want its first kept", len(first.Attempts))
		}
		for _, out := range outs[1:] {
			if n := listedOne(t, r, out); n.State != notify.Pending || n.Reason != "" {
				t.Errorf("%s on %s: %s (%q), want pending", out, r.URL, n.State, n.Reason)
			}
		}
		if pending, max := pendingShown(t, r); pending != 3 || max != 3 {
			t.Errorf("%s /_mock/memory: pending %d, max_pending %d; want 3 and 3", r.URL, pending, max)
		}
	}
	if state, next, owner := storedRow(t, url, ids["SB-1"]); state != string(notify.GivenUp) || next != nil || owner != nil {
		t.Fatalf("SB-1 stored %s, next %v, lease %v; want given up, nothing planned", state, next, owner)
	}
	// The second attempts of the others, 4 minutes on; none of SB-1.
	waitIdle(t, url, 3)
	rs[1].Advance("4m")
	waitCalls(t, merchant, 4+3)
	waitIdle(t, url, 3)
	per := map[string]int{}
	for _, c := range merchant.Calls() {
		per[c.Form.Get("out_trade_no")]++
	}
	if per["SB-1"] != 1 || per["SB-2"] != 2 || per["SB-3"] != 2 || per["SB-4"] != 2 {
		t.Fatalf("attempts per trade %v; want SB-1's first only, two of each other", per)
	}
}

// The bound never gives up a notification whose attempt is in flight
// (its lease is live): it passes over it for the next oldest.
func TestReplicasPendingBoundSparesAnAttemptInFlight(t *testing.T) {
	hold := newHoldMerchant(t)
	rs, url := replicasAt(t, 2, mock.Options{Notify: notify.Options{MaxPending: 3}})
	held := payNotified(t, rs[0], "SH-1", hold.URL)
	select {
	case <-hold.got: // SH-1's first attempt is in flight until hold.free
	case <-time.After(15 * time.Second):
		t.Fatal("no replica made SH-1's first attempt")
	}
	for i, out := range []string{"SH-2", "SH-3", "SH-4"} {
		rs[0].Advance("1s")
		payNotified(t, rs[(i+1)%2], out, hold.URL)
		if i < 2 {
			// Its attempt made (a new row counts idle until one is
			// leased), then written back: only SH-1's attempt is in
			// flight at the bound.
			hold.waitCount(t, i+2)
			waitIdle(t, url, i+1)
		}
	}
	for _, r := range rs {
		givenUpByBound(t, r, "SH-2")
	}
	if state, _, owner := storedRow(t, url, held); state != string(notify.Pending) || owner == nil {
		t.Fatalf("SH-1, its attempt in flight: stored %s, lease %v; want pending and leased", state, owner)
	}
	hold.free()
	waitIdle(t, url, 3)
	for _, r := range rs {
		ctx, cancel := context.WithTimeout(context.Background(), mocktest.Timeout)
		outbox := r.Srv.Notifier.Outbox()
		var n notify.Notification
		outbox.WaitFunc(ctx, func() bool {
			n, _ = outbox.Get(held)
			return len(n.Attempts) == 1
		})
		cancel()
		if n.State != notify.Pending || n.Reason != "" || len(n.Attempts) != 1 {
			t.Errorf("SH-1 on %s: %s (%q), %d attempts; want pending with its attempt written back", r.URL, n.State, n.Reason, len(n.Attempts))
		}
		for _, out := range []string{"SH-3", "SH-4"} {
			if n := listedOne(t, r, out); n.State != notify.Pending {
				t.Errorf("%s on %s: %s, want pending", out, r.URL, n.State)
			}
		}
	}
}
