package pgstore_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// On one mock (and with --data) a trade evicted past --keep-trades takes
// its scenario buyer's planned steps off the clock (docs/persistence.md,
// TestEvictedTradesBuyerStepsDoNotComeBackAtRestart). With --store the
// database's trim (pgstore/keep.go) deletes the trade only: its step stays
// in alipay_mock_jobs and on the planner's clock, so an advance to the
// next job ({"to":"next"}) stops at the evicted trade's step, which does
// nothing, where one mock goes on to the kept trade's step and pays it.
func TestRvrpEvictedTradesBuyerStepLeavesTheClockWithStore(t *testing.T) {
	const scenario = "rules:\n  - name: r\n    when: {method: alipay.trade.precreate}\n    then: {buyer: {scan_after: 0s, pay_after: 1h}}\n"
	run := func(t *testing.T, m *mocktest.Mock) string {
		m.Control(http.MethodPost, "/scenarios?name=later", scenario, http.StatusCreated)
		if r := m.Call("alipay.trade.precreate", `{"out_trade_no":"RVK1","total_amount":"1.00","subject":"s"}`); !ok(r) {
			t.Fatalf("precreate: %v", r)
		}
		m.Advance("10m")
		if r := m.Call("alipay.trade.precreate", `{"out_trade_no":"RVK2","total_amount":"1.00","subject":"s"}`); !ok(r) {
			t.Fatalf("precreate: %v", r)
		}
		deadline := time.Now().Add(10 * time.Second)
		for { // the first trade evicted (the database trims a moment later)
			st, _ := rvrpDo(t, m, http.MethodGet, "/trades/RVK1?app_id="+keys.DevAppID, "")
			if st == http.StatusNotFound {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("RVK1 not evicted")
			}
			time.Sleep(20 * time.Millisecond)
		}
		m.Control(http.MethodPost, "/clock/advance", `{"to":"next"}`, http.StatusOK)
		var tr struct {
			Status string `json:"trade_status"`
		}
		m.ControlJSON(http.MethodGet, "/trades/RVK2?app_id="+keys.DevAppID, nil, http.StatusOK, &tr)
		return tr.Status
	}
	opts := mock.Options{}
	opts.Trades.Keep = 1
	mem := run(t, mocktest.New(t, opts))
	shared := run(t, replicas(t, 1, opts)[0])
	t.Logf("RVK2 after an advance to the next job: one mock %s, --store %s", mem, shared)
	if mem != string(trade.Success) {
		t.Fatalf("one mock: RVK2 %s after the advance to its buyer's step, want TRADE_SUCCESS", mem)
	}
	if shared != mem {
		t.Errorf("with --store RVK2 is %s after the advance to the next job, one mock's is %s", shared, mem)
	}
}
