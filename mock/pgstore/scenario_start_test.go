package pgstore_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// A replica starting with a --scenario file the database holds (same
// path and text) keeps its stored counters; one starting with that file
// edited puts the edit in force in its place, for every replica, its
// counters from zero.
func TestReplicaStartingWithAnEditedScenarioFileReplacesItForAll(t *testing.T) {
	const once = "rules:\n  - name: r\n    when: {method: alipay.trade.query}\n    then: {respond: {code: \"40004\", sub_code: \"ACQ.SYSTEM_ERROR\", sub_msg: %q}}\n    times: 1\n"
	file := func(msg string) []*scenarios.File {
		f, err := scenarios.Parse("once.yaml", []byte(strings.Replace(once, "%q", `"`+msg+`"`, 1)), nil)
		if err != nil {
			t.Fatal(err)
		}
		return []*scenarios.File{f}
	}
	acted := func(m *mocktest.Mock, msg string) int {
		m.Control(http.MethodGet, "/scenarios", nil, http.StatusOK) // takes up what other replicas stored
		n := 0
		for range 2 {
			if r := m.Call("alipay.trade.query", `{"out_trade_no":"none"}`); r["sub_msg"] == msg {
				n++
			}
		}
		return n
	}
	rs, url := replicasAt(t, 1, mock.Options{Scenarios: file("first")})
	a := rs[0]
	if n := acted(a, "first"); n != 1 {
		t.Fatalf("the times: 1 rule acted %d times, want 1", n)
	}
	b := mocktest.New(t, mock.Options{Store: url, Scenarios: file("first")})
	if n := acted(b, "first"); n != 0 {
		t.Fatalf("a replica started with the same file: the used-up rule acted %d times, want 0", n)
	}
	c := mocktest.New(t, mock.Options{Store: url, Scenarios: file("edited")})
	if n := acted(a, "edited"); n != 1 {
		t.Fatalf("after a replica started with the file edited, the edited rule acted %d times on another, want 1", n)
	}
	if n := acted(c, "edited") + acted(a, "first"); n != 0 {
		t.Fatalf("the edited rule acted again, or the replaced one is still in force (%d)", n)
	}
	if got := strings.Count(string(b.Control(http.MethodGet, "/scenarios", nil, http.StatusOK)), `"path":"once.yaml"`); got != 1 {
		t.Fatalf("once.yaml is in force %d times, want once", got)
	}
}
