package pgstore_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// A queued answer that stands in for a request (no execute) is taken
// before the rules are matched, on whichever replica the request reaches:
// a times: 1 rule (its count shared) is not counted for it and still acts
// on the next request, on the other replica.
func TestReplicasQueuedAnswerLeavesASharedTimesRuleUncounted(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	pay(t, a, "QT", "1.00")
	a.Control(http.MethodPost, "/scenarios?name=once", "name: once\nrules:\n  - name: r\n    when: {method: alipay.trade.query}\n    times: 1\n"+
		"    then: {fields: {trade_status: TRADE_CLOSED}}\n", http.StatusCreated)
	a.Control(http.MethodPost, "/faults", `{"method":"alipay.trade.query","code":"20000"}`, http.StatusCreated)
	b.Control(http.MethodGet, "/scenarios", nil, http.StatusOK) // b has taken up the upload
	var got []any
	for _, m := range []interface {
		Call(string, string) map[string]any
	}{b, a, b} {
		r := m.Call("alipay.trade.query", `{"out_trade_no":"QT"}`)
		got = append(got, r["code"], r["trade_status"])
	}
	want := []any{"20000", nil, "10000", "TRADE_CLOSED", "10000", "TRADE_SUCCESS"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("queued answer, then the times: 1 rule's fields, then the real answer: got %v, want %v", got, want)
		}
	}
}

// A queued answer with execute answers instead of a rule's respond: a
// times: 1 rule with nothing else is not counted for it (its count
// shared), and its refusal comes on the next request, on the other
// replica.
func TestReplicasQueuedExecuteAnswerLeavesARespondOnlyTimesRuleUncounted(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	pay(t, a, "QX", "1.00")
	a.Control(http.MethodPost, "/scenarios?name=once", "name: once\nrules:\n  - name: r\n    when: {method: alipay.trade.query}\n    times: 1\n"+
		"    then: {respond: {code: \"40004\", sub_code: ACQ.SYSTEM_ERROR, sub_msg: scripted once}}\n", http.StatusCreated)
	a.Control(http.MethodPost, "/faults", `{"method":"alipay.trade.query","code":"20000","execute":true}`, http.StatusCreated)
	b.Control(http.MethodGet, "/scenarios", nil, http.StatusOK) // b has taken up the upload
	var got []any
	for _, m := range []interface {
		Call(string, string) map[string]any
	}{b, a, b} {
		r := m.Call("alipay.trade.query", `{"out_trade_no":"QX"}`)
		got = append(got, r["code"], r["sub_msg"])
	}
	want := []any{"20000", "系统繁忙", "40004", "scripted once", "10000", nil}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("queued answer, then the times: 1 rule's refusal, then the real answer: got %v, want %v", got, want)
		}
	}
}
