package mock_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

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
