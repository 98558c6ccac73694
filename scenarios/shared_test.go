package scenarios_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// fakeStore is a Store as pgstore is: its lock lets go when a failed
// write is rolled back, and gap runs then (another request's change, which
// another goroutine or replica could make there). f's undo runs under the
// lock, as Store asks, or, with rowLock, after gap: pgstore's row lock
// goes with the rollback, before the undo that its scenariosMu, one
// process's only, holds.
type fakeStore struct {
	mu      sync.Mutex
	state   []byte
	fail    bool
	rowLock bool
	gap     func()
}

func (s *fakeStore) UpdateScenarios(f func([]byte) ([]byte, bool, func())) error {
	s.mu.Lock()
	next, changed, undo := f(s.state)
	fail, gap := s.fail, s.gap
	s.fail, s.gap = false, nil
	if !fail && changed {
		s.state = next
	}
	if fail && undo != nil && !s.rowLock {
		undo()
	}
	s.mu.Unlock()
	if !fail {
		return nil
	}
	if gap != nil {
		gap()
	}
	if undo != nil && s.rowLock {
		undo()
	}
	return errors.New("the write failed")
}

// refusal parses a file named name with one rule: queries answer 40004.
func refusal(t *testing.T, name string) *scenarios.File {
	t.Helper()
	f, err := scenarios.Parse(name, []byte("name: "+strings.TrimSuffix(name, ".yaml")+
		"\nrules:\n  - when: {method: alipay.trade.query}\n    then: {respond: {code: \"40004\"}}\n"), gateway.Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFailedScenarioChangeKeepsAChangeStoredMeanwhile(t *testing.T) {
	e := scenarios.NewEngine()
	st := &fakeStore{}
	if err := e.Share(st, gateway.Catalogue(), scenarios.ShareOptions{}); err != nil {
		t.Fatal(err)
	}
	var added error
	st.fail, st.gap = true, func() { added = e.Add(refusal(t, "b.yaml")) }
	if err := e.Add(refusal(t, "a.yaml")); err == nil {
		t.Fatal("the failed add answered no error")
	}
	if added != nil || !strings.Contains(string(st.state), "b.yaml") {
		t.Fatalf("the add made meanwhile: %v, stored %s", added, st.state)
	}
	var names []string
	for _, s := range e.List()[""] {
		names = append(names, s.File.Path)
	}
	if len(names) != 1 || names[0] != "b.yaml" {
		t.Fatalf("in force after the failed add: %v, want [b.yaml] as stored (the add acknowledged meanwhile is lost from memory)", names)
	}
}

// unreadableStore is a Store whose state cannot be read while down: f
// does not run (pgstore when its SELECT fails).
type unreadableStore struct {
	state []byte
	down  bool
}

func (s *unreadableStore) UpdateScenarios(f func([]byte) ([]byte, bool, func())) error {
	if s.down {
		return errors.New("the state is not read")
	}
	if next, changed, _ := f(s.state); changed {
		s.state = next
	}
	return nil
}

// A request answered as a store failure (no rule acts) must not use up a
// times: 1 rule of a file built in Go (its counter is in memory only, so
// no later load puts it back): the rule must still act once the store
// answers.
func TestScenarioStoreFailureLeavesARuleBuiltInGoUnused(t *testing.T) {
	shared, err := scenarios.Parse("counted.yaml", []byte("name: counted\nrules:\n  - when: {method: alipay.trade.refund}\n"+
		"    times: 1\n    then: {respond: {code: \"40004\"}}\n"), gateway.Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	own := &scenarios.File{Name: "go", Rules: []*scenarios.Rule{{
		Name:  "one refusal",
		When:  scenarios.Match{Method: scenarios.Strings{"alipay.trade.query"}},
		Then:  scenarios.Action{Respond: &scenarios.Respond{Code: "40004", SubCode: "ACQ.SYSTEM_ERROR", SubMsg: "built in Go"}},
		Times: 1,
	}}}
	e := scenarios.NewEngine()
	if err := e.Add(shared, own); err != nil {
		t.Fatal(err)
	}
	st := &unreadableStore{}
	if err := e.Share(st, gateway.Catalogue(), scenarios.ShareOptions{}); err != nil {
		t.Fatal(err)
	}
	q := scenarios.Request{AppID: "2021000000000001", Method: "alipay.trade.query"}
	st.down = true
	if plan, _, err := e.Match(q); err == nil || plan != nil {
		t.Fatalf("a query while the store is unread: plan %v err %v, want a store failure with no rule acting", plan, err)
	}
	st.down = false
	if plan, _, err := e.Match(q); err != nil || plan == nil {
		t.Fatalf("the first query the store answers: plan %v err %v, want the times: 1 rule built in Go acting "+
			"(the request answered as a store failure used it up)", plan, err)
	}
}

// memStore is a Store in memory.
type memStore struct{ state []byte }

func (s *memStore) UpdateScenarios(f func([]byte) ([]byte, bool, func())) error {
	if next, changed, _ := f(s.state); changed {
		s.state = next
	}
	return nil
}

// A state stored before files given at start were marked as such holds
// them as uploads: a start that gives one again (same path and scope)
// takes it as its own, not twice; one not given stays, and is gone from a
// later start that does not give it only once it was marked.
func TestScenarioStateStoredWithoutStartMarksKeepsItsFilesAsUploads(t *testing.T) {
	text := func(name string) string {
		return "name: " + name + "\nrules:\n  - when: {method: alipay.trade.query}\n    then: {respond: {code: \"40004\"}}\n"
	}
	stored, _ := json.Marshal(map[string]any{"scopes": []any{map[string]any{"app": "", "files": []any{
		map[string]any{"path": "given.yaml", "src": []byte(text("given")), "app_id": "", "state": "Started"},
		map[string]any{"path": "other.yaml", "src": []byte(text("other")), "app_id": "", "state": "Started"},
	}}}})
	st := &memStore{state: stored}
	start := func(paths ...string) []string {
		e := scenarios.NewEngine()
		for _, p := range paths {
			f, err := scenarios.Parse(p, []byte(text(strings.TrimSuffix(p, ".yaml"))), gateway.Catalogue())
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Add(f); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.Share(st, gateway.Catalogue(), scenarios.ShareOptions{}); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range e.List()[""] {
			names = append(names, s.File.Path)
		}
		return names
	}
	if got := start("given.yaml"); !slices.Equal(got, []string{"given.yaml", "other.yaml"}) {
		t.Fatalf("a start giving given.yaml again: %v, want [given.yaml other.yaml]", got)
	}
	if got := start(); !slices.Equal(got, []string{"other.yaml"}) {
		t.Fatalf("a later start giving nothing: %v, want [other.yaml] (given.yaml, now a start file, gone)", got)
	}
}
