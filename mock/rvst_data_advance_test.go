package mock_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// rv-st: with --data every move of the clock waits for its own commit
// (persist.go: OnJump(db.PutClock), under the clock's and the scheduler's
// locks), and an advance stops at each due job's time: one advance over n
// jobs due at n different times pays n commits one after another, where
// the clock's reading needs only the last. Closing n unpaid trades at their
// timeouts should not take a commit per trade on top of what the closes
// write.
func TestRvstDataAdvanceCommitsOncePerJobTime(t *testing.T) {
	const n = 40
	m := mocktest.New(t, mock.Options{DataDir: t.TempDir()})
	for i := 1; i <= n; i++ {
		m.Call("alipay.trade.precreate", fmt.Sprintf(`{"out_trade_no":"RVSTD%d","total_amount":"1.00","subject":"s","timeout_express":"%dm"}`, i, i))
	}
	before := m.Srv.StoreStats().Batches
	m.Control(http.MethodPost, "/clock/advance", map[string]string{"by": "3h"}, http.StatusOK)
	got := m.Srv.StoreStats().Batches - before
	t.Logf("advance over %d timeouts: %d commits", n, got)
	if got > n+5 {
		t.Errorf("an advance over %d jobs at %d times took %d commits (one per clock stop on top of the jobs' own)", n, n, got)
	}
}

// rv-st: the same with notification retries, whose attempts the scheduler
// waits for once at the end of the run (AfterRun's Sync): an advance
// through n×7 retry times took a handful of commits and now takes one per
// stop, each under the clock's lock.
func TestRvstDataAdvanceThroughRetriesCommitsPerStop(t *testing.T) {
	const n = 10
	merchant := mocktest.NewMerchant(t, "fail")
	m := mocktest.New(t, mock.Options{DataDir: t.TempDir()})
	for i := 1; i <= n; i++ {
		m.Verify("alipay.trade.pay", m.Post(m.Params("alipay.trade.pay", fmt.Sprintf(`{"out_trade_no":"RVSTR%d","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`, i),
			func(p map[string]string) { p["notify_url"] = merchant.URL })), true)
		m.Control(http.MethodPost, "/clock/advance", map[string]string{"by": "7s"}, http.StatusOK)
	}
	before := m.Srv.StoreStats().Batches
	m.Control(http.MethodPost, "/clock/advance", map[string]string{"by": "25h"}, http.StatusOK)
	got := m.Srv.StoreStats().Batches - before
	t.Logf("advance through %d notifications' retries: %d commits, %d merchant calls", n, got, len(merchant.Calls()))
	if got > 2*n {
		t.Errorf("an advance through %d notifications' retries took %d commits", n, got)
	}
}
