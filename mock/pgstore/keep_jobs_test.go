package pgstore_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// On one mock (and with --data) a trade evicted past --keep-trades takes
// its scenario buyer's planned steps off the clock (docs/persistence.md,
// TestEvictedTradesBuyerStepsDoNotComeBackAtRestart). With --store the
// database's trim (pgstore/keep.go) deletes the trade's steps with it and
// announces them, so the replica that planned them takes them off its
// clock too: an advance to the next job ({"to":"next"}) goes on to the kept
// trade's step and pays it, as on one mock, instead of stopping at the
// trimmed trade's, which would do nothing.
func TestReplicasTrimmedTradesBuyerStepLeavesTheClock(t *testing.T) {
	const scenario = "rules:\n  - name: r\n    when: {method: alipay.trade.precreate}\n    then: {buyer: {scan_after: 0s, pay_after: 1h}}\n"
	run := func(t *testing.T, m *mocktest.Mock, trimmed func(func(pgstore.GoneJob) bool)) string {
		m.Control(http.MethodPost, "/scenarios?name=later", scenario, http.StatusCreated)
		if r := m.Call("alipay.trade.precreate", `{"out_trade_no":"KJ1","total_amount":"1.00","subject":"s"}`); !ok(r) {
			t.Fatalf("precreate: %v", r)
		}
		m.Advance("10m")
		if r := m.Call("alipay.trade.precreate", `{"out_trade_no":"KJ2","total_amount":"1.00","subject":"s"}`); !ok(r) {
			t.Fatalf("precreate: %v", r)
		}
		if trimmed != nil { // the database trims a moment later
			trimmed(func(j pgstore.GoneJob) bool { return j.Key == keys.DevAppID+"|KJ1" })
		}
		if st, body := get(t, m, "/_mock/trades/KJ1?app_id="+keys.DevAppID); st != http.StatusNotFound {
			t.Fatalf("KJ1 not evicted: %d %s", st, body)
		}
		m.Control(http.MethodPost, "/clock/advance", `{"to":"next"}`, http.StatusOK)
		var tr struct {
			Status string `json:"trade_status"`
		}
		m.ControlJSON(http.MethodGet, "/trades/KJ2?app_id="+keys.DevAppID, nil, http.StatusOK, &tr)
		return tr.Status
	}
	opts := mock.Options{}
	opts.Trades.Keep = 1
	mem := run(t, mocktest.New(t, opts), nil)
	rs, url := replicasAt(t, 1, opts)
	shared := run(t, rs[0], trimNotices(t, url))
	t.Logf("KJ2 after an advance to the next job: one mock %s, --store %s", mem, shared)
	if mem != string(trade.Success) {
		t.Fatalf("one mock: KJ2 %s after the advance to its buyer's step, want TRADE_SUCCESS", mem)
	}
	if shared != mem {
		t.Errorf("with --store KJ2 is %s after the advance to the next job, one mock's is %s", shared, mem)
	}
}

// So with red packets past --keep-red-packets: the sender a scenario
// planned for a trimmed one leaves the clock with it.
func TestReplicasTrimmedRedPacketsSenderStepLeavesTheClock(t *testing.T) {
	const scenario = "rules:\n  - name: r\n    when: {method: alipay.fund.coupon.order.app.pay}\n    then: {buyer: {pay_after: 5m}}\n"
	run := func(t *testing.T, m *mocktest.Mock, trimmed func(func(pgstore.GoneJob) bool)) string {
		m.Control(http.MethodPost, "/scenarios?name=later", scenario, http.StatusCreated)
		open := func(out string) string {
			p := m.Params("alipay.fund.coupon.order.app.pay", `{"out_order_no":"`+out+`","out_request_no":"`+out+`-pay","order_title":"红包","amount":"8.88"}`, nil)
			var o map[string]any
			m.ControlJSON(http.MethodPost, "/app-pay", map[string]string{"order_string": mocktest.Form(p).Encode()}, http.StatusOK, &o)
			no, _ := o["auth_no"].(string)
			if no == "" {
				t.Fatalf("app pay: %v", o)
			}
			return no
		}
		first := open("KJP1")
		m.Advance("1m")
		second := open("KJP2")
		if trimmed != nil { // the database trims a moment later
			trimmed(func(j pgstore.GoneJob) bool { return j.Ref == first })
		}
		if st, body := get(t, m, "/_mock/red-packets/"+first); st != http.StatusNotFound {
			t.Fatalf("KJP1 not trimmed: %d %s", st, body)
		}
		m.Control(http.MethodPost, "/clock/advance", `{"to":"next"}`, http.StatusOK)
		var o map[string]any
		m.ControlJSON(http.MethodGet, "/red-packets/"+second, nil, http.StatusOK, &o)
		return fmt.Sprint(o["status"])
	}
	opts := mock.Options{FundPublicKey: true} // the test is about the trim, not certificate mode
	opts.Coupons.Keep = 1
	mem := run(t, mocktest.New(t, opts), nil)
	rs, url := replicasAt(t, 1, opts)
	shared := run(t, rs[0], trimNotices(t, url))
	t.Logf("KJP2 after an advance to the next job: one mock %s, --store %s", mem, shared)
	if mem != "AUTHORIZED" {
		t.Fatalf("one mock: KJP2 %s after the advance to its sender's step, want AUTHORIZED", mem)
	}
	if shared != mem {
		t.Errorf("with --store KJP2 is %s after the advance to the next job, one mock's is %s", shared, mem)
	}
}

// trimNotices listens to the notices a trim sends when it deletes the
// scenario steps planned for the trades or red packets it deletes, and
// returns a wait for one naming a step that match picks: once it came, the
// trim has committed, and a control-API request waits for its replica to
// take it up.
func trimNotices(t *testing.T, url string) func(match func(pgstore.GoneJob) bool) {
	t.Helper()
	conn := pgtest.Conn(t, url)
	if _, err := conn.Exec(context.Background(), "LISTEN "+pgstore.ChangedChannel); err != nil {
		t.Fatal(err)
	}
	return func(match func(pgstore.GoneJob) bool) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for {
			n, err := conn.WaitForNotification(ctx)
			if err != nil {
				t.Fatalf("no trim deleted the step: %v", err)
			}
			js, _ := pgstore.JobsGone(n.Payload)
			for _, j := range js {
				if match(j) {
					return
				}
			}
		}
	}
}
