package mock_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// TestEvictedNotificationIDIsNotReusedAfterRestart: a notification id
// (ntf_…) names one notification for good (docs/persistence.md: a cleared
// id "never names another notification after a restart, as within one
// run"). Within one run an id dropped past --keep-notifications is never
// handed out again; with --data a restart numbers on from the stored ids
// alone, so when the dropped one held the highest id (it became final
// first, another later), the next notification after the restart gets
// its id: GET /_mock/notifications/{id} of the dropped one then shows
// another trade's notification.
func TestEvictedNotificationIDIsNotReusedAfterRestart(t *testing.T) {
	o := mock.Options{DataDir: t.TempDir()}
	o.Notify.Keep = 1
	m := mocktest.New(t, o)
	slow := mocktest.NewMerchant(t, "fail", "success") // delivered at its second attempt (4 minutes on)
	fast := mocktest.NewMerchant(t, "success")
	pay := func(m *mocktest.Mock, out, url, state string) string {
		t.Helper()
		m.Post(m.Params("alipay.trade.pay", `{"out_trade_no":"`+out+`","total_amount":"20.00","subject":"s","scene":"bar_code","auth_code":"283912345678901234"}`,
			func(p map[string]string) { p["notify_url"] = url }))
		var ns []map[string]any
		m.ControlJSON(http.MethodGet, "/notifications?out_trade_no="+out+"&state="+state+"&wait=10s&count=1", nil, http.StatusOK, &ns)
		if len(ns) != 1 {
			t.Fatalf("notifications of %s: %v", out, ns)
		}
		id, _ := ns[0]["id"].(string)
		return id
	}
	pay(m, "NIDE-1", slow.URL, "pending")              // ntf_000001, pending
	dropped := pay(m, "NIDE-2", fast.URL, "delivered") // ntf_000002, final first
	m.Advance("5m")                                    // NIDE-1's second attempt: final, so NIDE-2's goes (keep 1)
	var ns []map[string]any
	m.ControlJSON(http.MethodGet, "/notifications?out_trade_no=NIDE-1&state=delivered&wait=10s&count=1", nil, http.StatusOK, &ns)
	if len(ns) != 1 {
		t.Fatalf("NIDE-1's notification not delivered at its second attempt: %v", ns)
	}
	if resp, err := http.Get(m.URL + "/_mock/notifications/" + dropped); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("%s (NIDE-2's) still kept past --keep-notifications 1: HTTP %d", dropped, resp.StatusCode)
	}

	m = restart(t, m, o)
	if id := pay(m, "NIDE-3", fast.URL, "delivered"); id == dropped {
		t.Errorf("after a restart NIDE-3's notification has the id %s, NIDE-2's (dropped past --keep-notifications); want a new one", id)
	}
}
