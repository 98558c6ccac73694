package audit_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/audit"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// For a trade paid just before the audit (the usual way to run one), the
// duplicates probe's three copies must still differ in notify_time and
// signature, as production's retries do: identical bodies would let a
// handler that dedupes by the whole body, or by (notify_id, notify_time),
// pass the probe, though it credits production's retries again.
func TestDuplicatesProbeCopiesOfAFreshTradeAreDistinct(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	paidTrade(t, m) // paid at the mock's now
	var mu sync.Mutex
	times := map[string]map[string]bool{} // notify_id -> notify_times
	copies := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		q, _ := url.ParseQuery(string(b))
		mu.Lock()
		id := q.Get("notify_id")
		if times[id] == nil {
			times[id] = map[string]bool{}
		}
		times[id][q.Get("notify_time")] = true
		copies[id]++
		mu.Unlock()
		_, _ = w.Write([]byte("success"))
	}))
	t.Cleanup(srv.Close)
	var rep audit.Report
	m.ControlJSON("POST", "/audit", audit.Request{NotifyURL: srv.URL, AppID: keys.DevAppID, OutTradeNo: order,
		Probes: []string{"baseline", "duplicates"}}, http.StatusOK, &rep)
	mu.Lock()
	defer mu.Unlock()
	seen := false
	for id, n := range copies {
		if n < 3 {
			continue
		}
		seen = true
		if len(times[id]) < 3 {
			t.Errorf("notify_id %s: %d copies with %d distinct notify_time %v; production's retries each have their own", id, n, len(times[id]), times[id])
		}
	}
	if !seen {
		t.Fatalf("no notify_id sent three times: %v", copies)
	}
}
