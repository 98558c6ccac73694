package mock_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// TestClearedNotificationIDIsNotReusedAfterRestart: in one process a
// notification id (ntf_…) names one notification for good: after DELETE
// /_mock/notifications the next one gets the next id, so a script or a
// bookmark holding the cleared id (GET /_mock/notifications/{id},
// POST …/resend) gets 404, never another trade's notification. With
// --data a restart keeps that: the clear keeps the last id handed out,
// and a start numbers on from the larger of it and the stored ids (not
// from the stored ids alone, which the clear took away).
func TestClearedNotificationIDIsNotReusedAfterRestart(t *testing.T) {
	t.Run("data", func(t *testing.T) { clearedIDNotReused(t, mock.Options{DataDir: t.TempDir()}) })
	// Each start of a --store mock numbers from a block of its own (the
	// database's boots sequence).
	t.Run("store", func(t *testing.T) { clearedIDNotReused(t, mock.Options{Store: pgtest.URL(t)}) })
}

func clearedIDNotReused(t *testing.T, o mock.Options) {
	m := mocktest.New(t, o)
	mer := mocktest.NewMerchant(t, "fail")
	pay := func(m *mocktest.Mock, out string) string {
		m.Post(m.Params("alipay.trade.pay", `{"out_trade_no":"`+out+`","total_amount":"20.00","subject":"s","scene":"bar_code","auth_code":"283912345678901234"}`,
			func(p map[string]string) { p["notify_url"] = mer.URL }))
		var ns []map[string]any
		m.ControlJSON(http.MethodGet, "/notifications?out_trade_no="+out+"&wait=10s&count=1", nil, http.StatusOK, &ns)
		if len(ns) != 1 {
			t.Fatalf("notifications of %s: %v", out, ns)
		}
		id, _ := ns[0]["id"].(string)
		return id
	}
	cleared := pay(m, "NID-1")
	m.Control(http.MethodDelete, "/notifications", nil, http.StatusOK)
	m = restart(t, m, o)
	if id := pay(m, "NID-2"); id == cleared {
		t.Errorf("after a restart NID-2's notification has the id %s, NID-1's, cleared; want a new one", id)
	}
	var got map[string]any
	resp, err := http.Get(m.URL + "/_mock/notifications/" + cleared)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		m.ControlJSON(http.MethodGet, "/notifications/"+cleared, nil, resp.StatusCode, &got)
		t.Errorf("GET /_mock/notifications/%s (NID-1's, cleared) after a restart: HTTP %d, notification of %v; want 404: the id was given again to another trade's notification",
			cleared, resp.StatusCode, got["out_trade_no"])
	}
}
