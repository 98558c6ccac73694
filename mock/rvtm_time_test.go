package mock_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// Issue 12: moving the mock's clock never costs a real client. A merchant
// that stamps its request with wall time (accepted) also works out
// time_expire from wall time ("now + 30 minutes", as apps do). After the
// clock moved, the mock judges time_expire against its own clock only, so
// the same app that passes the timestamp check is refused with
// ACQ.INVALID_PARAMETER time_expire取值范围为当前时间后1m～15d.
func TestRvtmTimeExpireFromWallTimeSurvivesClockMoves(t *testing.T) {
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

// A bad qr_code_timeout_express is refused with a sub_msg naming
// timeout_express, a field the request may not even carry: the mock's
// ACQ.INVALID_PARAMETER details exist to name the field production would
// refuse (docs/differences.md, Inferred texts), and this one sends the
// developer to the wrong field.
func TestRvtmBadQRCodeTimeoutExpressNamesItsField(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	for i, v := range []string{"1.5h", "16d", "0m", "5x"} {
		r := m.Call("alipay.trade.precreate", fmt.Sprintf(`{"out_trade_no":"QRX-%d","total_amount":"1.00","subject":"s","qr_code_timeout_express":%q}`, i, v))
		msg := fmt.Sprint(r["sub_msg"])
		if r["sub_code"] != "ACQ.INVALID_PARAMETER" || !strings.Contains(msg, "qr_code_timeout_express") {
			t.Errorf("qr_code_timeout_express %q: %v %v %q; want ACQ.INVALID_PARAMETER naming qr_code_timeout_express", v, r["code"], r["sub_code"], msg)
		}
	}
}
