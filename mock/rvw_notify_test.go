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
