package pgstore_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// holdMerchant holds the first request it gets until release is closed,
// and answers every request "fail".
type holdMerchant struct {
	*httptest.Server
	got     chan string // the held request's User-Agent
	release chan struct{}
	mu      sync.Mutex
	calls   int
	called  chan struct{} // closed and replaced at each request
}

func newHoldMerchant(t *testing.T) *holdMerchant {
	h := &holdMerchant{got: make(chan string, 1), release: make(chan struct{}), called: make(chan struct{})}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		h.mu.Lock()
		h.calls++
		first := h.calls == 1
		close(h.called)
		h.called = make(chan struct{})
		h.mu.Unlock()
		if first {
			h.got <- r.UserAgent()
			<-h.release
		}
		_, _ = io.WriteString(w, "fail")
	}))
	t.Cleanup(func() {
		h.free()
		h.Close()
	})
	return h
}

func (h *holdMerchant) free() {
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.release:
	default:
		close(h.release)
	}
}

func (h *holdMerchant) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls
}

// waitCount waits until the merchant got at least n requests.
func (h *holdMerchant) waitCount(t *testing.T, n int) {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		h.mu.Lock()
		calls, called := h.calls, h.called
		h.mu.Unlock()
		if calls >= n {
			return
		}
		select {
		case <-called:
		case <-timeout:
			t.Fatalf("merchant got %d requests, want %d", calls, n)
		}
	}
}

// held waits for the first request and returns the index of the replica
// that sent it (each replica's notifier has its own User-Agent).
func (h *holdMerchant) held(t *testing.T) int {
	t.Helper()
	select {
	case ua := <-h.got:
		var i int
		if _, err := fmt.Sscanf(ua, "replica-%d", &i); err != nil {
			t.Fatalf("held a request from %q", ua)
		}
		return i
	case <-time.After(15 * time.Second):
		t.Fatal("no replica made the first attempt")
		return 0
	}
}

// userAgentReplicas are n replicas on one new database whose notifiers
// send User-Agent replica-i, so a merchant tells which one made an attempt.
func userAgentReplicas(t *testing.T, n int) ([]*mocktest.Mock, string) {
	t.Helper()
	url := pgURL(t)
	rs := make([]*mocktest.Mock, n)
	for i := range rs {
		rs[i] = mocktest.New(t, mock.Options{Store: url, Notify: notify.Options{UserAgent: fmt.Sprintf("replica-%d", i)}})
	}
	return rs, url
}

// payNotified pays a trade on m whose notification goes to url, and
// returns the notification's id.
func payNotified(t *testing.T, m *mocktest.Mock, out, url string) string {
	t.Helper()
	r, err := try(m, "alipay.trade.pay", `{"out_trade_no":"`+out+`","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = url })
	if err != nil || !ok(r) {
		t.Fatalf("pay: %v %v", r, err)
	}
	ns := m.Srv.Notifier.Outbox().List(notify.Filter{OutTradeNo: out})
	if len(ns) != 1 {
		t.Fatalf("%d notifications of %s", len(ns), out)
	}
	return ns[0].ID
}

// A replica whose attempt was in flight when the notifications were
// cleared (the clear's announcement not yet heard) writes its result
// back only to the row it leased: the cleared notification is not made
// again, nor retried.
func TestReplicaWritingBackAnAttemptDoesNotRecreateAClearedNotification(t *testing.T) {
	hold := newHoldMerchant(t)
	rs, url := userAgentReplicas(t, 2)
	id := payNotified(t, rs[0], "WB-CLEAR", hold.URL)
	h := hold.held(t)
	// What DELETE /_mock/notifications on the other replica deletes; its
	// announcement is heard later (the holder's listener is behind).
	conn := pgtest.Conn(t, url)
	if _, err := conn.Exec(context.Background(), `DELETE FROM alipay_mock_notifications`); err != nil {
		t.Fatal(err)
	}
	hold.free()
	// The holder's write-back is over once its copy has the attempt, or
	// is gone.
	outbox := rs[h].Srv.Notifier.Outbox()
	deadline := time.Now().Add(15 * time.Second)
	for {
		n, kept := outbox.Get(id)
		if !kept || len(n.Attempts) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the held attempt was not written back")
		}
		time.Sleep(10 * time.Millisecond)
	}
	var rows int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM alipay_mock_notifications`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 0 {
		t.Fatalf("%d notifications stored after the clear: the attempt's write-back made the cleared one again", rows)
	}
	if n, kept := outbox.Get(id); kept {
		t.Fatalf("the holder still keeps the cleared notification: %+v", n)
	}
}

// storedNotification is notification id as the database at url holds it.
func storedNotification(t *testing.T, url, id string) notify.Notification {
	t.Helper()
	var data []byte
	if err := pgtest.Conn(t, url).QueryRow(context.Background(), `SELECT data FROM alipay_mock_notifications WHERE id = $1`, id).Scan(&data); err != nil {
		t.Fatal(err)
	}
	n, err := notify.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A resend asked on one replica while another has the notification's
// attempt in flight takes no lease away and loses nothing: the attempt
// in flight is recorded, and the resend is made after it.
func TestReplicaResendWhileAnotherHoldsTheAttemptLosesNeither(t *testing.T) {
	hold := newHoldMerchant(t)
	rs, url := userAgentReplicas(t, 2)
	id := payNotified(t, rs[0], "WB-RESEND", hold.URL)
	other := 1 - hold.held(t)
	rs[other].Control(http.MethodPost, "/notifications/"+id+"/resend", nil, http.StatusOK)
	hold.free()
	deadline := time.Now().Add(15 * time.Second)
	for hold.count() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("merchant got %d requests, want 2: the held attempt and the resend", hold.count())
		}
		time.Sleep(10 * time.Millisecond)
	}
	waitIdle(t, url, 1)
	stored := storedNotification(t, url, id)
	if len(stored.Attempts) != 2 || stored.State != notify.Pending {
		t.Fatalf("stored %s with %d attempts, want pending with 2 (the held one and the resend's)", stored.State, len(stored.Attempts))
	}
	// Every replica shows both attempts; the resend started a round, so
	// its failure plans the next attempt 4 minutes on.
	for i, r := range rs {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		outbox := r.Srv.Notifier.Outbox()
		var n notify.Notification
		done := outbox.WaitFunc(ctx, func() bool {
			n, _ = outbox.Get(id)
			return len(n.Attempts) == 2
		})
		cancel()
		if !done {
			t.Fatalf("replica %d shows %d attempts, want 2", i, len(n.Attempts))
		}
		if n.NextAttempt == nil || !n.NextAttempt.Equal(n.Attempts[1].At.Add(4*time.Minute)) {
			t.Fatalf("replica %d: next attempt %v after the resend's at %v, want 4 minutes on", i, n.NextAttempt, n.Attempts[1].At)
		}
	}
}

// A resend with no attempt in flight changes the stored notification,
// whichever replica is asked and however far behind its copy is.
func TestReplicaResendChangesTheStoredNotification(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "fail")
	rs, url := replicasAt(t, 2, mock.Options{})
	id := payNotified(t, rs[0], "WB-IDLE", merchant.URL)
	waitCalls(t, merchant, 1)
	waitIdle(t, url, 1)
	for i, r := range rs {
		r.Control(http.MethodPost, "/notifications/"+id+"/resend", nil, http.StatusOK)
		waitCalls(t, merchant, 2+i)
		waitIdle(t, url, 1)
	}
	stored := storedNotification(t, url, id)
	if len(stored.Attempts) != 3 {
		t.Fatalf("stored %d attempts, want 3: the first and one per resend", len(stored.Attempts))
	}
	rs[0].Control(http.MethodPost, "/notifications/ntf_none/resend", nil, http.StatusNotFound)
}

// With --store an attempt's answer is stored as kept: an earlier attempt's
// cut to notify.EarlierResponse bytes, the latest whole (to 1 KiB).
func TestStoredNotificationKeepsEarlierAnswersCut(t *testing.T) {
	long := strings.Repeat("f", 1024)
	merchant := mocktest.NewMerchant(t, long)
	rs, url := replicasAt(t, 2, mock.Options{})
	id := payNotified(t, rs[0], "WB-CUT", merchant.URL)
	waitCalls(t, merchant, 1)
	waitIdle(t, url, 1)
	rs[1].Control(http.MethodPost, "/notifications/"+id+"/resend", nil, http.StatusOK)
	waitCalls(t, merchant, 2)
	waitIdle(t, url, 1)
	stored := storedNotification(t, url, id)
	if len(stored.Attempts) != 2 {
		t.Fatalf("stored %d attempts, want 2", len(stored.Attempts))
	}
	if got := stored.Attempts[0].Response; got != long[:notify.EarlierResponse] {
		t.Errorf("the first attempt's answer is stored with %d bytes, want %d", len(got), notify.EarlierResponse)
	}
	if got := stored.Attempts[1].Response; got != long {
		t.Errorf("the latest attempt's answer is stored with %d bytes, want all %d", len(got), len(long))
	}
}
