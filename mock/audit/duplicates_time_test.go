package audit_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/audit"
	"github.com/alipay-mock/alipay-mock/mock/audit/audittest"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// notify_time is "通知的发送时间", when Alipay sent that attempt: later
// than the payment it reports, never later than now. The duplicates
// probe's copies, for a trade paid just before the audit (the usual way to
// run one), keep both, so a correct handler that refuses either impossible
// time has no finding.
func TestDuplicatesProbeStampsNoImpossibleNotifyTime(t *testing.T) {
	for _, c := range []struct {
		name   string
		refuse func(m *mocktest.Mock, q url.Values) bool
	}{
		{"later than now", func(m *mocktest.Mock, q url.Values) bool {
			at, err := timestamp.Parse(q.Get("notify_time"))
			return err != nil || at.After(m.Clock.Now().Add(time.Minute))
		}},
		{"before the payment", func(_ *mocktest.Mock, q url.Values) bool {
			sent, err1 := timestamp.Parse(q.Get("notify_time"))
			paid, err2 := timestamp.Parse(q.Get("gmt_payment"))
			return err1 == nil && err2 == nil && sent.Before(paid)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := mocktest.New(t, mock.Options{})
			seller := paidTrade(t, m) // paid at the mock's now
			shop := audittest.NewShop(t, audittest.Correct, keys.DevAppID, seller, m.Srv.AlipayPublicKey(), order, 8888)
			guarded := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				q, _ := url.ParseQuery(string(b))
				if c.refuse(m, q) {
					_, _ = w.Write([]byte("fail"))
					return
				}
				r.Body = io.NopCloser(bytes.NewReader(b))
				shop.Config.Handler.ServeHTTP(w, r)
			}))
			t.Cleanup(guarded.Close)
			var rep audit.Report
			m.ControlJSON("POST", "/audit", audit.Request{NotifyURL: guarded.URL, AppID: keys.DevAppID, OutTradeNo: order,
				Probes: []string{"baseline", "duplicates"}}, http.StatusOK, &rep)
			if got := findings(&rep); len(got) != 0 {
				t.Errorf("a correct handler that refuses a notify_time %s has findings %v\n%s", c.name, got, text(t, &rep))
			}
		})
	}
}

// The copies of a trade paid just before the audit still differ in
// notify_time and signature, as production's retries do: identical bodies
// would let a handler that dedupes by the whole body, or by (notify_id,
// notify_time), pass the probe, though it credits production's retries
// again.
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
