package mock_test

import (
	"fmt"
	"io"
	"net/http"
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
// time_expire from wall time ("now + 30 minutes", as apps do): after the
// clock moved, that time_expire is accepted too, as the timestamp is, by
// every method that takes one.
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
			expire := timestamp.Format(wall.Add(30 * time.Minute))
			for _, tc := range []struct{ method, biz string }{
				{"alipay.trade.precreate", `{"out_trade_no":"TE-1","total_amount":"1.00","subject":"s","time_expire":%q}`},
				{"alipay.trade.create", `{"out_trade_no":"TE-2","total_amount":"1.00","subject":"s","buyer_id":"2088102146225135","time_expire":%q}`},
				{"alipay.trade.pay", `{"out_trade_no":"TE-3","total_amount":"1.00","subject":"s","scene":"bar_code","auth_code":"281234567890123456","time_expire":%q}`},
			} {
				r := m.Verify(tc.method, m.Post(m.Params(tc.method, fmt.Sprintf(tc.biz, expire), stampWall)), true)
				if r["code"] != "10000" {
					t.Errorf("after %s %s, a wall-stamped %s with time_expire = wall + 30m: %v %v %v; want 10000 (the timestamp beside it was accepted)",
						mv.path, mv.body, tc.method, r["code"], r["sub_code"], r["sub_msg"])
				}
			}
			p := m.Params("alipay.trade.page.pay", fmt.Sprintf(`{"out_trade_no":"TE-4","total_amount":"1.00","subject":"s","product_code":"FAST_INSTANT_TRADE_PAY","time_expire":%q}`, expire), stampWall)
			resp, err := cashierNoRedirect.PostForm(m.URL+"/gateway.do", form(p))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"), "/cashier/") {
				t.Errorf("after %s %s, a page pay with time_expire = wall + 30m: HTTP %d %.200s; want the redirect to the cashier", mv.path, mv.body, resp.StatusCode, b)
			}
		})
	}
}

// A time_expire read against the wall clock closes the trade as far ahead
// on the mock's clock (30 minutes here), and one that is 1m to 15d after
// neither clock is still refused.
func TestTimeExpireFromWallTimeIsMovedOntoTheMocksClock(t *testing.T) {
	m := mocktest.New(t, mock.Options{Clock: clock.NewManual(time.Now())})
	m.Advance("72h")
	wall := time.Now()
	r := m.Call("alipay.trade.create", fmt.Sprintf(`{"out_trade_no":"TE-M","total_amount":"1.00","subject":"s","buyer_id":"2088102146225135","time_expire":%q}`,
		timestamp.Format(wall.Add(30*time.Minute))))
	expect(t, r, "code", "10000")
	m.Advance("28m") // the wall clock's own seconds meanwhile come off the 30 minutes
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"TE-M"}`), "code", "10000", "trade_status", "WAIT_BUYER_PAY")
	m.Advance("2m")
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"TE-M"}`), "code", "10000", "trade_status", "TRADE_CLOSED")
	for i, at := range []time.Time{wall.Add(30 * time.Second), wall.Add(20 * 24 * time.Hour), wall.Add(-time.Hour)} {
		r := m.Call("alipay.trade.create", fmt.Sprintf(`{"out_trade_no":"TE-N%d","total_amount":"1.00","subject":"s","buyer_id":"2088102146225135","time_expire":%q}`,
			i, timestamp.Format(at)))
		expect(t, r, "code", "40004", "sub_code", "ACQ.INVALID_PARAMETER", "sub_msg", "参数无效：time_expire取值范围为当前时间后1m～15d")
	}
}

// The same on /v3/: a wall-clock time_expire after the clock moved.
func TestTimeExpireFromWallTimeSurvivesClockMovesV3(t *testing.T) {
	e := newV3Env(t)
	e.srv.Clock.Advance(25 * time.Hour)
	r := e.do(v3Req{uri: "/v3/alipay/trade/precreate", body: fmt.Sprintf(`{"out_trade_no":"TE-V3","total_amount":"1.00","subject":"s","time_expire":%q}`,
		timestamp.Format(time.Now().Add(30*time.Minute)))})
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"qr_code"`) {
		t.Errorf("v3 precreate with time_expire = wall + 30m, the clock 25h ahead: HTTP %d %s; want 200 with a qr_code", r.status, r.body)
	}
}

// time_expire is read against the clock the request's timestamp keeps:
// an app that stamps with wall time and sets time_expire to wall + 30m
// gets its 30 minutes whether the mock's clock is 40m ahead (the wall is
// the only clock it is near) or 20m ahead (near both).
func TestTimeExpireFromWallTimeWithTheClockSlightlyAhead(t *testing.T) {
	for _, ahead := range []string{"40m", "20m"} {
		t.Run(ahead, func(t *testing.T) {
			m := mocktest.New(t, mock.Options{Clock: clock.NewManual(time.Now())})
			m.Advance(ahead)
			wall := time.Now()
			p := m.Params("alipay.trade.create", fmt.Sprintf(`{"out_trade_no":"TE-NEAR","total_amount":"1.00","subject":"s","buyer_id":"2088102146225135","time_expire":%q}`,
				timestamp.Format(wall.Add(30*time.Minute))), func(p map[string]string) { p["timestamp"] = timestamp.Format(wall) })
			expect(t, m.Verify("alipay.trade.create", m.Post(p), true), "code", "10000")
			m.Advance("15m")
			if r := m.Call("alipay.trade.query", `{"out_trade_no":"TE-NEAR"}`); r["trade_status"] != "WAIT_BUYER_PAY" {
				t.Errorf("clock %s ahead, time_expire = wall + 30m on a wall-stamped create: after 15m the trade is %v, want WAIT_BUYER_PAY", ahead, r["trade_status"])
			}
		})
	}
}

// The same on /v3/, whose timestamp is in the Authorization header.
func TestTimeExpireFromWallTimeWithTheClockSlightlyAheadV3(t *testing.T) {
	e := newV3Env(t)
	e.srv.Clock.Advance(20 * time.Minute)
	wall := time.Now()
	r := e.do(v3Req{uri: "/v3/alipay/trade/precreate", at: wall, body: fmt.Sprintf(`{"out_trade_no":"TE-V3-NEAR","total_amount":"1.00","subject":"s","time_expire":%q}`,
		timestamp.Format(wall.Add(30*time.Minute)))})
	if r.status != http.StatusOK {
		t.Fatalf("v3 precreate: HTTP %d %s", r.status, r.body)
	}
	e.srv.Clock.Advance(15 * time.Minute)
	r = e.do(v3Req{uri: "/v3/alipay/trade/query", body: `{"out_trade_no":"TE-V3-NEAR"}`})
	if !strings.Contains(string(r.body), `"trade_status":"WAIT_BUYER_PAY"`) {
		t.Errorf("clock 20m ahead, time_expire = wall + 30m on a wall-stamped v3 precreate: after 15m HTTP %d %s; want WAIT_BUYER_PAY", r.status, r.body)
	}
}
