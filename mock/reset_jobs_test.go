package mock_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// After a reset the clock's next job is not the deadline of a trade that
// is gone: next_due is absent, as on a fresh mock, and advancing to the
// next job leaves the clock where it is.
func TestResetRearmsTradeDeadlines(t *testing.T) {
	for _, reset := range []string{"/reset", "/reset?app_id=" + keys.DevAppID} {
		t.Run(reset, func(t *testing.T) {
			m := mocktest.New(t, mock.Options{})
			expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"DL1","total_amount":"1.00","subject":"s"}`), "code", "10000")
			var clk struct {
				Pending int        `json:"pending_jobs"`
				NextDue *time.Time `json:"next_due"`
				Now     time.Time  `json:"now"`
			}
			m.ControlJSON(http.MethodGet, "/clock", nil, http.StatusOK, &clk)
			if clk.NextDue == nil {
				t.Fatal("no next_due with a trade waiting to expire")
			}
			m.Control(http.MethodPost, reset, nil, http.StatusOK)
			clk.NextDue = nil
			m.ControlJSON(http.MethodGet, "/clock", nil, http.StatusOK, &clk)
			if clk.NextDue != nil || clk.Pending != 0 {
				t.Fatalf("after the reset: next_due %v, %d jobs pending", clk.NextDue, clk.Pending)
			}
			before := clk.Now
			var adv struct {
				Clock struct {
					Now time.Time `json:"now"`
				} `json:"clock"`
			}
			m.ControlJSON(http.MethodPost, "/clock/advance", map[string]string{"to": "next"}, http.StatusOK, &adv)
			if !adv.Clock.Now.Equal(before) {
				t.Fatalf("advancing to the next job moved the clock from %s to %s with nothing planned", before, adv.Clock.Now)
			}
		})
	}
}
