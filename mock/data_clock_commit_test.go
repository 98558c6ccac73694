package mock_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// With --data an advance's clock stops add no commits of their own: the
// readings ride with what the jobs write. Closing n unpaid trades at n
// different times takes about a commit per close, not two.
func TestDataAdvanceAddsNoCommitPerClockStop(t *testing.T) {
	const n = 40
	m := mocktest.New(t, mock.Options{DataDir: t.TempDir()})
	for i := 1; i <= n; i++ {
		m.Call("alipay.trade.precreate", fmt.Sprintf(`{"out_trade_no":"STOPS%d","total_amount":"1.00","subject":"s","timeout_express":"%dm"}`, i, i))
	}
	before := m.Srv.StoreStats().Batches
	m.Control(http.MethodPost, "/clock/advance", map[string]string{"by": "3h"}, http.StatusOK)
	got := m.Srv.StoreStats().Batches - before
	if got > n+5 {
		t.Errorf("an advance over %d jobs at %d times took %d commits (one per clock stop on top of the jobs' own)", n, n, got)
	}
}
