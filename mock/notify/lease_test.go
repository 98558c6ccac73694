package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// heldJobs is a shared schedule whose first Claim hands out every
// notification of the outbox, and which records each renewal.
type heldJobs struct {
	o       *Outbox
	mu      sync.Mutex
	claimed bool
	renewed [][]string
	renew   chan struct{} // closed at the first renewal
}

func (j *heldJobs) Claim(time.Time, int) ([]Notification, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.claimed {
		return nil, nil
	}
	j.claimed = true
	return j.o.List(Filter{}), nil
}

func (j *heldJobs) Renew(ids []string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.renewed) == 0 {
		close(j.renew)
	}
	j.renewed = append(j.renewed, slices.Clone(ids))
	return nil
}

func (*heldJobs) Resend(string, time.Time) (Notification, bool, error) {
	return Notification{}, false, nil
}

func (*heldJobs) GiveUp(string) (Notification, GiveUpResult, error) {
	return Notification{}, NotPending, nil
}

// A replica keeps the leases of the attempts it claimed while it makes
// them: one trade's notifications are made one after another, so the last
// of several would otherwise be due again, unleased, while still waiting
// its turn, and another replica would make it a second time. The merchant
// here answers only once a renewal has been made, so the attempts are in
// flight when it is.
func TestClaimedAttemptsKeepTheirLeasesWhileMade(t *testing.T) {
	j := &heldJobs{renew: make(chan struct{})}
	quit := make(chan struct{})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-j.renew:
			_, _ = w.Write([]byte("success"))
		case <-r.Context().Done():
		case <-quit:
		}
	}))
	defer hook.Close()
	defer close(quit) // before Close, which waits for the handlers
	t0 := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	sched := clock.NewScheduler(clock.NewManual(t0), 1)
	o := NewOutbox()
	j.o = o
	// The first attempt waits for the first renewal (a third of the lease,
	// the timeout + 2 s): 12 s leaves it 7 s of slack on a loaded machine.
	n := New(keys.DevAlipayPrivateKey(), sched, fixtures.New(1), o, Options{Timeout: 12 * time.Second})
	n.Share(j, 0)
	const each = 3 // notifications of one trade: made in turn
	for i := range each {
		tr := trade.Trade{AppID: "2021000000000001", TradeNo: "2026112322000000000000000001", OutTradeNo: "HELD-1",
			Status: trade.Success, Subject: "s", Total: amount.MustParse("10.00"),
			NotifyURL: hook.URL + "/notify", Created: t0, Paid: &t0}
		tr.Subject = "s" + strconv.Itoa(i)
		n.TradeEvent(tr, trade.Event{At: t0, Type: trade.EventPaid, Status: trade.Success})
	}
	if got := len(o.List(Filter{})); got != each {
		t.Fatalf("%d notifications queued, want %d", got, each)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		n.RunShared(stop, time.Hour, nil)
	}()
	stopped := false
	defer func() {
		if !stopped {
			close(stop)
			<-done
		}
	}()
	// Every attempt is made and delivered (after the renewal).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if !o.WaitFunc(ctx, func() bool { return len(o.List(Filter{State: Delivered})) == each }) {
		t.Fatalf("delivered: %+v", o.List(Filter{}))
	}
	close(stop)
	<-done
	stopped = true
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.renewed) == 0 {
		t.Fatal("no lease renewed while the attempts were made")
	}
	var ids []string
	for _, nf := range o.List(Filter{}) {
		ids = append(ids, nf.ID)
	}
	slices.Sort(ids)
	got := slices.Sorted(slices.Values(j.renewed[0]))
	if !slices.Equal(got, ids) {
		t.Fatalf("renewed %v, want every claimed notification %v", got, ids)
	}
}
