package pgstore_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// With --store, POST /_mock/reset puts scenarios back at their start
// (docs/control-api.md, replicas.md: "scenario states" are deleted from
// the database): a rule with times: 2 used once acts twice again after a
// reset.
func TestResetRestartsSharedScenarioCounters(t *testing.T) {
	rs, _ := replicasAt(t, 1, mock.Options{})
	m := rs[0]
	m.Control(http.MethodPost, "/scenarios?name=twice",
		"rules:\n  - name: r\n    when: {method: alipay.trade.query}\n    then: {respond: {code: \"20000\"}}\n    times: 2\n", http.StatusCreated)
	if r := m.Call("alipay.trade.query", `{"out_trade_no":"none"}`); r["code"] != "20000" {
		t.Fatalf("first query: %v", r)
	}
	m.Control(http.MethodPost, "/reset", nil, http.StatusOK)
	n := 0
	for range 3 {
		if r := m.Call("alipay.trade.query", `{"out_trade_no":"none"}`); r["code"] == "20000" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("after a reset, the times: 2 rule acted %d times, want 2 (its counter back at 0)", n)
	}
}
