package scenarios_test

import (
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// A replica whose change failed to store must not, undoing it, load the
// state it read before over a newer one another replica stored and this
// one already took up: it would act on, and list, a stale copy until the
// next announcement.
func TestFailedScenarioChangeKeepsAnotherReplicasChangeTakenUpMeanwhile(t *testing.T) {
	st := &fakeStore{rowLock: true}
	one, two := scenarios.NewEngine(), scenarios.NewEngine()
	for _, e := range []*scenarios.Engine{one, two} {
		if err := e.Share(st, gateway.Catalogue(), scenarios.ShareOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var added error
	st.fail, st.gap = true, func() {
		added = two.Add(refusal(t, "b.yaml")) // replica two, committed and announced
		st.mu.Lock()
		stored := st.state
		st.mu.Unlock()
		one.Refresh(stored) // replica one's listener
	}
	if err := one.Add(refusal(t, "a.yaml")); err == nil {
		t.Fatal("the failed add answered no error")
	}
	if added != nil || !strings.Contains(string(st.state), "b.yaml") {
		t.Fatalf("replica two's add: %v, stored %s", added, st.state)
	}
	var names []string
	for _, s := range one.List()[""] {
		names = append(names, s.File.Path)
	}
	if len(names) != 1 || names[0] != "b.yaml" {
		t.Fatalf("replica one after its failed add: %v in force, want [b.yaml] as stored and taken up "+
			"(the undo loaded the older state over it)", names)
	}
}

// The same with files built in Go (this replica's own, never stored): the
// failed add of one must leave it out, the one in force before staying,
// beside the other replica's change taken up meanwhile.
func TestFailedScenarioChangeOfAGoFileKeepsAnotherReplicasChangeTakenUpMeanwhile(t *testing.T) {
	goFile := func(name string) *scenarios.File {
		return &scenarios.File{Name: name, Rules: []*scenarios.Rule{{
			When: scenarios.Match{Method: scenarios.Strings{"alipay.trade.query"}},
			Then: scenarios.Action{Respond: &scenarios.Respond{Code: "40004"}},
		}}}
	}
	b := refusal(t, "b.yaml")
	st := &fakeStore{rowLock: true}
	one, two := scenarios.NewEngine(), scenarios.NewEngine()
	if err := one.Add(goFile("kept")); err != nil {
		t.Fatal(err)
	}
	for _, e := range []*scenarios.Engine{one, two} {
		if err := e.Share(st, gateway.Catalogue(), scenarios.ShareOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	st.fail, st.gap = true, func() {
		if err := two.Add(b); err != nil {
			t.Error(err)
		}
		st.mu.Lock()
		stored := st.state
		st.mu.Unlock()
		one.Refresh(stored)
	}
	if err := one.Add(goFile("failed")); err == nil {
		t.Fatal("the failed add answered no error")
	}
	var names []string
	for _, s := range one.List()[""] {
		names = append(names, s.File.Name)
	}
	if strings.Join(names, ",") != "kept,b" {
		t.Fatalf("replica one after its failed add: %v in force, want [kept b]", names)
	}
}
