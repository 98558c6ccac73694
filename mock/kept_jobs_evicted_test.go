package mock_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A trade evicted past --keep-trades takes its scenario buyer's steps
// off the clock and their kept job records with it, so a restart plans
// none of them again: the clock holds as many jobs after a restart as
// before it.
func TestEvictedTradesBuyerStepsDoNotComeBackAtRestart(t *testing.T) {
	dir := t.TempDir()
	file := example(t, "qr-pay-on-clock.yaml")
	pending := func(m *mocktest.Mock) int {
		var c struct {
			Pending int `json:"pending_jobs"`
		}
		m.ControlJSON(http.MethodGet, "/clock", nil, http.StatusOK, &c)
		return c.Pending
	}
	o := mock.Options{DataDir: dir, Scenarios: file()}
	o.Trades.Keep = 2
	m1 := mocktest.New(t, o)
	for i := 0; i < 10; i++ {
		expect(t, m1.Call("alipay.trade.precreate", `{"out_trade_no":"CLOCK-EV`+strconv.Itoa(i)+`","total_amount":"9.99","subject":"s"}`), "code", "10000")
	}
	before := pending(m1)
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	o.Scenarios = file()
	m2 := mocktest.New(t, o)
	if after := pending(m2); after != before {
		t.Fatalf("%d jobs planned before the restart, %d after it (2 trades kept of 10: the evicted trades' buyer steps came back)", before, after)
	}
}
