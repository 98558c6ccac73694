package mock_test

import (
	"slices"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// A *scenarios.File a program builds in Go (not from Parse) has no text
// to keep: with --data it stays in force in this process, where it was
// given among the files, its counters in memory only.

func builtInGo() *scenarios.File {
	return &scenarios.File{Name: "go", Rules: []*scenarios.Rule{{
		Name:  "one refusal",
		When:  scenarios.Match{Method: scenarios.Strings{"alipay.trade.query"}},
		Then:  scenarios.Action{Respond: &scenarios.Respond{Code: "40004", SubCode: "ACQ.SYSTEM_ERROR", SubMsg: "built in Go"}},
		Times: 1,
	}}}
}

func TestScenarioBuiltInGoActs(t *testing.T) {
	for name, dir := range map[string]func() string{"memory": func() string { return "" }, "data": t.TempDir} {
		t.Run(name, func(t *testing.T) {
			m := mocktest.New(t, mock.Options{DataDir: dir(), Scenarios: []*scenarios.File{builtInGo()}})
			if n := scripted(m, 2, "built in Go"); n != 1 {
				t.Fatalf("the times: 1 rule built in Go acted %d times in 2 queries, want 1", n)
			}
		})
	}
}

// Among files with text it keeps its place at every restart; its counter
// starts over, the others' do not.
func TestScenarioBuiltInGoKeepsItsPlaceAcrossRestart(t *testing.T) {
	once := scenarioFile(t, "once.yaml", onceScenario)
	states := scenarioFile(t, "states.yaml", statesScenario)
	files := func() []*scenarios.File { return slices.Concat(once(), []*scenarios.File{builtInGo()}, states()) }
	o := mock.Options{DataDir: t.TempDir(), Scenarios: files()}
	m := mocktest.New(t, o)
	if got := answers(m, 3); !slices.Equal(got, []string{"scripted once", "built in Go", "in Started"}) {
		t.Fatalf("the queries were answered %q, want once.yaml's rule, the Go one's, then states.yaml's", got)
	}
	o.Scenarios = files()
	m = restart(t, m, o)
	if got := answers(m, 2); !slices.Equal(got, []string{"built in Go", "in Second"}) {
		t.Fatalf("after a restart the queries were answered %q, want the Go rule acting again, then states.yaml going on", got)
	}
}
