package mock_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// An app that stamps its request with wall time and works out time_expire
// from it ("now + 30 minutes", issue 12) gets its 30 minutes with the
// mock's clock 40m ahead (the deadline moved onto the mock's clock), but
// only 10 with the clock 20m ahead: wall + 30m is then 10m after the
// mock's clock, read plainly. The same app deadline must not close the
// trade sooner because the clock moved less (the request's timestamp
// already says which clock the app keeps).
func TestRv2mixTimeExpireFromWallTimeWithTheClockSlightlyAhead(t *testing.T) {
	for _, ahead := range []string{"40m", "20m"} {
		t.Run(ahead, func(t *testing.T) {
			m := mocktest.New(t, mock.Options{Clock: clock.NewManual(time.Now())})
			m.Advance(ahead)
			wall := time.Now()
			p := m.Params("alipay.trade.create", fmt.Sprintf(`{"out_trade_no":"RV2MIX-TE","total_amount":"1.00","subject":"s","buyer_id":"2088102146225135","time_expire":%q}`,
				timestamp.Format(wall.Add(30*time.Minute))), func(p map[string]string) { p["timestamp"] = timestamp.Format(wall) })
			expect(t, m.Verify("alipay.trade.create", m.Post(p), true), "code", "10000")
			m.Advance("15m")
			if r := m.Call("alipay.trade.query", `{"out_trade_no":"RV2MIX-TE"}`); r["trade_status"] != "WAIT_BUYER_PAY" {
				t.Errorf("clock %s ahead, time_expire = wall + 30m on a wall-stamped create: after 15m the trade is %v, want WAIT_BUYER_PAY (the app's 30 minutes, as with the clock 40m ahead)", ahead, r["trade_status"])
			}
		})
	}
}
