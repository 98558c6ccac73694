package scenarios_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// docs/scenarios.md: "A request a forced answer stood in for (respond
// without execute: true, a queued answer, X-Alipay-Mock without
// execute=true) … plants no buyer", and for the header "no rule counts
// or acts on a request that carries it: a times: 1 rule still acts on the
// next one". A queued answer (POST /_mock/faults) is the same kind of
// stand-in; the rule was counted as having acted on it (GET
// /_mock/scenarios showed acted [1]), its buyer was never planned, and
// the merchant's retry, which does make the trade, found the rule used
// up: the buyer the scenario promises never came.
func TestQueuedAnswerDoesNotUseUpATimesRule(t *testing.T) {
	for _, store := range []string{"memory", "--data"} {
		t.Run(store, func(t *testing.T) {
			var o mock.Options
			if store == "--data" {
				o.DataDir = t.TempDir()
			}
			queuedAnswerDoesNotUseUpATimesRuleIn(t, o)
		})
	}
}

func queuedAnswerDoesNotUseUpATimesRuleIn(t *testing.T, o mock.Options) {
	e := newEnv(t, o)
	file := "name: q\nrules:\n  - name: r\n    when: {method: alipay.trade.precreate, biz: {out_trade_no: {prefix: \"Q-\"}}}\n" +
		"    times: 1\n    then: {buyer: {scan_after: 0s, pay_after: 10s}}\n"
	e.control("POST", "/scenarios?name=q&app_id="+keys.DevAppID, file, http.StatusCreated)
	e.control("POST", "/faults", `{"method":"alipay.trade.precreate","code":"20000"}`, http.StatusCreated)
	_, err := e.c.Precreate(e.ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "Q-1", TotalAmount: 100, Subject: "s"}})
	if code(err) != "20000 isp.unknow-error" {
		t.Fatalf("the precreate the queued answer stands in for: %s", code(err))
	}
	e.precreate("Q-1", "1.00") // the merchant retries; this one makes the trade
	e.advance(time.Minute)
	q, err := e.c.Query(e.ctx, client.QueryRequest{OutTradeNo: "Q-1"})
	if err != nil || q.TradeStatus != "TRADE_SUCCESS" {
		t.Errorf("a minute after the trade was made under a times: 1 rule whose buyer pays after 10 s: %s %v, want TRADE_SUCCESS "+
			"(the queued answer used the rule up without planting its buyer)", code(err), q)
	}
}
