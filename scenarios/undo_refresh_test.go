package scenarios_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// rowStore is a Store shared by two replicas as pgstore is: its row lock
// goes with the rollback of a failed write, and f's undo runs after (under
// pgstore's scenariosMu, which is one process's only). In that gap, gap
// runs: another replica's change commits and this replica's listener
// takes it up (Refresh), which nothing in pgstore or the engine excludes.
type rowStore struct {
	mu    sync.Mutex // the row lock
	state []byte
	fail  bool
	gap   func()
}

func (s *rowStore) UpdateScenarios(f func([]byte) ([]byte, bool, func())) error {
	s.mu.Lock()
	next, changed, undo := f(s.state)
	fail, gap := s.fail, s.gap
	s.fail, s.gap = false, nil
	if !fail && changed {
		s.state = next
	}
	s.mu.Unlock() // commit or rollback: the row lock goes
	if !fail {
		return nil
	}
	if gap != nil {
		gap()
	}
	if undo != nil {
		undo()
	}
	return errors.New("the write failed")
}

// A replica whose change failed to store must not, undoing it, load the
// state it read before over a newer one another replica stored and this
// one already took up: it would act on, and list, a stale copy until the
// next announcement.
func TestFailedScenarioChangeKeepsAnotherReplicasChangeTakenUpMeanwhile(t *testing.T) {
	parse := func(name string) *scenarios.File {
		f, err := scenarios.Parse(name, []byte("name: "+strings.TrimSuffix(name, ".yaml")+
			"\nrules:\n  - when: {method: alipay.trade.query}\n    then: {respond: {code: \"40004\"}}\n"), gateway.Catalogue())
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	st := &rowStore{}
	one, two := scenarios.NewEngine(), scenarios.NewEngine()
	for _, e := range []*scenarios.Engine{one, two} {
		if err := e.Share(st, gateway.Catalogue()); err != nil {
			t.Fatal(err)
		}
	}
	var added error
	st.fail, st.gap = true, func() {
		added = two.Add(parse("b.yaml")) // replica two, committed and announced
		st.mu.Lock()
		stored := st.state
		st.mu.Unlock()
		one.Refresh(stored) // replica one's listener
	}
	if err := one.Add(parse("a.yaml")); err == nil {
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
	b, err := scenarios.Parse("b.yaml", []byte("name: b\nrules:\n  - when: {method: alipay.trade.query}\n"+
		"    then: {respond: {code: \"40004\"}}\n"), gateway.Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	st := &rowStore{}
	one, two := scenarios.NewEngine(), scenarios.NewEngine()
	if err := one.Add(goFile("kept")); err != nil {
		t.Fatal(err)
	}
	for _, e := range []*scenarios.Engine{one, two} {
		if err := e.Share(st, gateway.Catalogue()); err != nil {
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
