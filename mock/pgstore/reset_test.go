package pgstore_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/control"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// With --store too, a scenario buyer planned on one replica before a
// reset does not pay a new trade of the same out_trade_no made on another
// after it.
func TestReplicasResetCancelsScenarioBuyers(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	rs[0].Control(http.MethodPost, "/scenarios?name=later",
		"rules:\n  - name: r\n    when: {method: alipay.trade.precreate}\n    then: {buyer: {pay_after: 10m}}\n", http.StatusCreated)
	pre := `{"out_trade_no":"ghost-1","total_amount":"1.00","subject":"s"}`
	if r := rs[0].Call("alipay.trade.precreate", pre); !ok(r) {
		t.Fatalf("precreate: %v", r)
	}
	rs[1].Control(http.MethodPost, "/reset?app_id="+keys.DevAppID, nil, http.StatusOK)
	rs[1].Control(http.MethodDelete, "/scenarios", nil, http.StatusOK)
	if r := rs[1].Call("alipay.trade.precreate", pre); !ok(r) {
		t.Fatalf("precreate after the reset: %v", r)
	}
	rs[0].Advance("11m")
	var tr struct {
		Status string `json:"trade_status"`
	}
	for _, m := range rs {
		m.ControlJSON(http.MethodGet, "/trades/ghost-1?app_id="+keys.DevAppID, nil, http.StatusOK, &tr)
		if tr.Status != "WAIT_BUYER_PAY" {
			t.Fatalf("the trade made after the reset is %s: the earlier trade's buyer acted on it", tr.Status)
		}
	}
}

// With --store too, a request that made nothing (a forced answer stood
// in for it, or it failed) plants no buyer and leaves no notification
// policy for the replicas.
func TestReplicasScenarioOfARequestThatMadeNothing(t *testing.T) {
	const then = "buyer: {pay_after_queries: 2}, notify: {suppress: true}"
	// respond without execute beside buyer or notify no longer loads
	// (TestForcedAnswerWithoutExecuteBesideANeverActingPartIsRefused):
	// a queued answer stands in for the request instead.
	for _, tc := range []struct{ name, rule, first string }{
		{"queued answer", then, `{"out_trade_no":"wb-1","total_amount":"7.77","subject":"s"}`},
		{"failed", then, `{"out_trade_no":"wb-1","total_amount":"7.77"}`}, // no subject
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := replicas(t, 2, mock.Options{})
			shop := mocktest.NewMerchant(t, "success").URL
			rs[0].Control(http.MethodPost, "/scenarios?name=wb",
				"rules:\n  - name: r\n    when: {method: alipay.trade.precreate, biz: {total_amount: \"7.77\"}}\n    then: {"+tc.rule+"}\n", http.StatusCreated)
			if tc.name == "queued answer" {
				rs[1].Control(http.MethodPost, "/faults", `{"method":"alipay.trade.precreate","code":"40004"}`, http.StatusCreated)
			}
			if r := rs[0].Call("alipay.trade.precreate", tc.first); ok(r) {
				t.Fatalf("first precreate: %v", r)
			}
			p := rs[1].Params("alipay.trade.precreate", `{"out_trade_no":"wb-1","total_amount":"1.00","subject":"s"}`,
				func(p map[string]string) { p["notify_url"] = shop + "/notify" })
			if r := rs[1].Verify("alipay.trade.precreate", rs[1].Post(p), true); !ok(r) {
				t.Fatalf("second precreate: %v", r)
			}
			rs[1].Control(http.MethodPost, "/trades/wb-1/scan?app_id="+keys.DevAppID, nil, http.StatusOK)
			for i := 0; i < 3; i++ {
				if q := rs[i%2].Call("alipay.trade.query", `{"out_trade_no":"wb-1"}`); q["trade_status"] != "WAIT_BUYER_PAY" {
					t.Fatalf("query %d: %v", i+1, q["trade_status"])
				}
			}
			rs[0].Control(http.MethodPost, "/trades/wb-1/pay?app_id="+keys.DevAppID, nil, http.StatusOK)
			n := rs[0].WaitNotifications(notify.Filter{OutTradeNo: "wb-1"}, 1)
			if n[0].State == notify.Suppressed {
				t.Fatalf("the trade's notification was %s by a rule of a request that made nothing", n[0].State)
			}
		})
	}
}

// A reset through one replica takes the planned steps off every replica's
// clock; the same out_trade_no made again, with the rule still in force,
// gets its own buyer (a step left on a replica that heard of the reset had
// the same job id, ran first on its gone trade, and took the new one's).
func TestReplicasResetCancelsPlansOnEveryReplica(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	rs[0].Control(http.MethodPost, "/scenarios?name=later",
		"rules:\n  - name: r\n    when: {method: alipay.trade.precreate}\n    then: {buyer: {pay_after: 10m}}\n", http.StatusCreated)
	pre := `{"out_trade_no":"ghost-2","total_amount":"1.00","subject":"s"}`
	if r := rs[0].Call("alipay.trade.precreate", pre); !ok(r) {
		t.Fatalf("precreate: %v", r)
	}
	rs[1].Control(http.MethodPost, "/reset?app_id="+keys.DevAppID, nil, http.StatusOK)
	var clk struct {
		Pending int `json:"pending_jobs"`
	}
	rs[0].ControlJSON(http.MethodGet, "/clock", nil, http.StatusOK, &clk)
	if clk.Pending != 0 {
		t.Fatalf("replica 0 holds %d jobs after a reset through replica 1", clk.Pending)
	}
	if r := rs[0].Call("alipay.trade.precreate", pre); !ok(r) {
		t.Fatalf("precreate after the reset: %v", r)
	}
	rs[0].Advance("11m")
	var tr struct {
		Status string `json:"trade_status"`
	}
	rs[0].ControlJSON(http.MethodGet, "/trades/ghost-2?app_id="+keys.DevAppID, nil, http.StatusOK, &tr)
	if tr.Status != "TRADE_SUCCESS" {
		t.Fatalf("the trade made after the reset is %s: its own buyer (pay_after 10m) never paid", tr.Status)
	}
}

// When the database fails to delete, a reset or a clear of notifications
// says so on every surface: 503 with the store's error in the control
// API's error shape (the whole reset, one app's, the clear), an error
// page on the dashboard, never success. The database still holds what it
// failed to delete (another replica lists it); mended, the same reset and
// clear answer 200 and delete it. A table is renamed under the running
// mocks to break it.
func TestReplicasResetTheDatabaseFailedAnswers503(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "success")
	rs, url := replicasAt(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	pay := func(out string) {
		t.Helper()
		r, err := try(a, "alipay.trade.pay", `{"out_trade_no":"`+out+`","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
			func(p map[string]string) { p["notify_url"] = merchant.URL })
		if err != nil || !ok(r) {
			t.Fatalf("pay %s: %v %v", out, r, err)
		}
		b.WaitNotifications(notify.Filter{OutTradeNo: out}, 1)
	}
	ctx := context.Background()
	conn := pgtest.Conn(t, url)
	rename := func(from, to string) {
		t.Helper()
		if _, err := conn.Exec(ctx, `ALTER TABLE `+from+` RENAME TO `+to); err != nil {
			t.Fatal(err)
		}
	}
	failing := func(method, path, table string) {
		t.Helper()
		var e control.Error
		a.ControlJSON(method, path, nil, http.StatusServiceUnavailable, &e)
		if !strings.Contains(e.Error, table) {
			t.Errorf("%s /_mock%s: error %q, want the store's failure on %s", method, path, e.Error, table)
		}
	}

	pay("RF1")
	rename("alipay_mock_trades", "alipay_mock_trades_away")
	failing(http.MethodPost, "/reset", "alipay_mock_trades")
	failing(http.MethodPost, "/reset?app_id="+keys.DevAppID, "alipay_mock_trades")
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/_mock/ui/reset", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", a.URL)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(page), "The reset did not finish") || !strings.Contains(string(page), "alipay_mock_trades") {
		t.Errorf("the dashboard's reset with the database failing: HTTP %d, want 503 and an error page:\n%s", resp.StatusCode, page)
	}
	rename("alipay_mock_trades_away", "alipay_mock_trades")
	b.Control(http.MethodGet, "/trades/RF1", nil, http.StatusOK) // what the failed resets did not delete
	a.Control(http.MethodPost, "/reset", nil, http.StatusOK)
	for _, m := range rs {
		m.Control(http.MethodGet, "/trades/RF1", nil, http.StatusNotFound)
	}

	pay("RF2")
	rename("alipay_mock_notifications", "alipay_mock_notifications_away")
	failing(http.MethodDelete, "/notifications", "alipay_mock_notifications")
	rename("alipay_mock_notifications_away", "alipay_mock_notifications")
	b.WaitNotifications(notify.Filter{OutTradeNo: "RF2"}, 1) // still there
	a.Control(http.MethodDelete, "/notifications", nil, http.StatusOK)
	for _, m := range rs {
		if list := m.Notifications(""); len(list) != 0 {
			t.Fatalf("%d notifications listed after a clear that worked", len(list))
		}
	}
}
