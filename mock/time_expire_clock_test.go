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

// Issue 12: moving the mock's clock never costs a real client. A merchant
// that stamps its request with wall time (accepted) also works out
// time_expire from wall time ("now + 30 minutes", as apps do): after the
// clock moved, that time_expire is accepted too, as the timestamp is.
func TestTimeExpireFromWallTimeSurvivesClockMoves(t *testing.T) {
	for _, mv := range []struct{ path, body string }{
		{"/clock/advance", `{"by":"25h"}`},
		{"/clock", `{"set":"2020-01-01 00:00:00"}`},
	} {
		t.Run(mv.body, func(t *testing.T) {
			m := mocktest.New(t, mock.Options{Clock: clock.NewManual(time.Now())})
			m.Control("POST", mv.path, mv.body, 200)
			wall := time.Now()
			stampWall := func(p map[string]string) { p["timestamp"] = timestamp.Format(wall) }
			biz := fmt.Sprintf(`{"out_trade_no":"TE-1","total_amount":"1.00","subject":"s","time_expire":%q}`,
				timestamp.Format(wall.Add(30*time.Minute)))
			r := m.Verify("alipay.trade.precreate", m.Post(m.Params("alipay.trade.precreate", biz, stampWall)), true)
			if r["code"] != "10000" {
				t.Errorf("after %s %s, a wall-stamped precreate with time_expire = wall + 30m: %v %v %v; want 10000 (the timestamp beside it was accepted)",
					mv.path, mv.body, r["code"], r["sub_code"], r["sub_msg"])
			}
		})
	}
}
