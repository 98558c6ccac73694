package mock_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// Without --store the pending bound gives up the oldest pending
// notification even while its attempt is in flight: the merchant gets the
// notification and answers success, yet the mock keeps it given_up (with a
// successful last attempt). With --store the same bound passes over one in
// flight (docs/limits.md: "never one whose attempt is in flight (the next
// oldest instead)"), so one process and replicas disagree on what the
// merchant was told.
func TestRvwPendingBoundGivesUpAnAttemptInFlight(t *testing.T) {
	m := mocktest.New(t, mock.Options{Notify: notify.Options{MaxPending: 1}})
	arrived := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		if form.Get("out_trade_no") == "RVW-IF-1" {
			once.Do(func() { close(arrived) })
			<-release
			io.WriteString(w, "success")
			return
		}
		io.WriteString(w, "fail")
	}))
	t.Cleanup(shop.Close)
	pay := func(out string) {
		m.Post(m.Params("alipay.trade.pay", `{"out_trade_no":"`+out+`","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
			func(p map[string]string) { p["notify_url"] = shop.URL }))
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); pay("RVW-IF-1") }()
	<-arrived // RVW-IF-1's first attempt is at the merchant
	paid := make(chan struct{})
	go func() { defer close(paid); pay("RVW-IF-2") }()
	// The second notification is made (past the bound) while the first
	// attempt is still in flight.
	waitFor(t, func() bool {
		return len(m.Srv.Notifier.Outbox().List(notify.Filter{OutTradeNo: "RVW-IF-2"})) == 1
	})
	close(release)
	wg.Wait()
	<-paid
	m.WaitAttempts("RVW-IF-1", 1)
	n := onlyNotification(t, m, "RVW-IF-1")
	last := n.Attempts[len(n.Attempts)-1]
	if last.OK && n.State != notify.Delivered {
		t.Fatalf("RVW-IF-1's attempt was answered success while in flight, but the notification is %s (%q): the bound gave up one in flight", n.State, n.Reason)
	}
	if n.State != notify.Delivered {
		t.Errorf("RVW-IF-1 is %s (%q), want delivered", n.State, n.Reason)
	}
}

// mocktest.WaitAttempts "waits until the outbox records attempt n", but
// it counts the attempts kept (at most notify.KeptAttempts), not those
// made: past 17 attempts (a notification sent again) it never returns,
// and the test fails after mocktest.Timeout though attempt n was made.
func TestRvwWaitAttemptsSeesAttemptsPastTheKeptOnes(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	mer := mocktest.NewMerchant(t, "success")
	m.Post(m.Params("alipay.trade.pay", `{"out_trade_no":"RVW-WA","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = mer.URL }))
	n := m.WaitNotifications(notify.Filter{OutTradeNo: "RVW-WA", State: notify.Delivered}, 1)[0]
	const resends = notify.KeptAttempts + 2
	for i := 0; i < resends; i++ {
		m.Control(http.MethodPost, "/notifications/"+n.ID+"/resend", nil, http.StatusOK)
	}
	if got := len(mer.Calls()); got != resends+1 {
		t.Fatalf("the merchant got %d attempts, want %d", got, resends+1)
	}
	got := m.WaitAttempts("RVW-WA", resends+1) // made: the merchant got it
	if last := got.Attempts[len(got.Attempts)-1]; last.N != resends+1 {
		t.Errorf("last attempt %d, want %d", last.N, resends+1)
	}
}

// The bound's give-up is told by "reason" in the control API, but the
// dashboard's notification page, where a user looks first, shows
// given_up after one attempt with no reason (nor the --max-pending-notifications
// that caused it).
func TestRvwDashboardSaysWhyTheBoundGaveUp(t *testing.T) {
	m := mocktest.New(t, mock.Options{Notify: notify.Options{MaxPending: 1}})
	shop := mocktest.NewMerchant(t, "fail")
	payNotifying(t, m, "RVW-DB-1", shop.URL)
	payNotifying(t, m, "RVW-DB-2", shop.URL)
	n := onlyNotification(t, m, "RVW-DB-1")
	if n.Reason != notify.ReasonPendingBound {
		t.Fatalf("RVW-DB-1: %s (%q), want given up by the bound", n.State, n.Reason)
	}
	resp, err := http.Get(m.URL + "/_mock/ui/notifications/" + n.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: HTTP %d", resp.StatusCode)
	}
	if !strings.Contains(string(b), "pending bound") {
		t.Errorf("the dashboard's page of %s (given up by the bound) does not say why", n.ID)
	}
}
