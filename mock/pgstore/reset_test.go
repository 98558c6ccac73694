package pgstore_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
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
	for _, tc := range []struct{ name, rule, first string }{
		{"respond", `respond: {code: "40004", sub_code: ACQ.SYSTEM_ERROR}, ` + then, `{"out_trade_no":"wb-1","total_amount":"7.77","subject":"s"}`},
		{"failed", then, `{"out_trade_no":"wb-1","total_amount":"7.77"}`}, // no subject
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := replicas(t, 2, mock.Options{})
			shop := mocktest.NewMerchant(t, "success").URL
			rs[0].Control(http.MethodPost, "/scenarios?name=wb",
				"rules:\n  - name: r\n    when: {method: alipay.trade.precreate, biz: {total_amount: \"7.77\"}}\n    then: {"+tc.rule+"}\n", http.StatusCreated)
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
