package scenarios_test

// rv-m: failing proof: a failed change's undo loads the state it started
// from over a change another request stored meanwhile.

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// windowStore is a Store that, as mock/keptscenarios.go and pgstore do,
// lets its lock go before the failed UpdateScenarios returns; between
// the two it runs between (another request's change, which a second
// goroutine could make there).
type windowStore struct {
	mu      sync.Mutex
	state   []byte
	fail    bool
	between func()
}

func (s *windowStore) UpdateScenarios(f func([]byte) ([]byte, bool)) error {
	s.mu.Lock()
	next, changed := f(s.state)
	fail, between := s.fail, s.between
	s.fail, s.between = false, nil
	if !fail && changed {
		s.state = next
	}
	s.mu.Unlock()
	if !fail {
		return nil
	}
	if between != nil {
		between()
	}
	return errors.New("review: the write failed")
}

func TestReviewFailedChangeUndoDropsAChangeStoredMeanwhile(t *testing.T) {
	parse := func(name string) *scenarios.File {
		f, err := scenarios.Parse(name, []byte("name: "+strings.TrimSuffix(name, ".yaml")+
			"\nrules:\n  - when: {method: alipay.trade.query}\n    then: {respond: {code: \"40004\"}}\n"), gateway.Catalogue())
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	e := scenarios.NewEngine()
	st := &windowStore{}
	if err := e.Share(st, gateway.Catalogue()); err != nil {
		t.Fatal(err)
	}
	var added error
	st.fail, st.between = true, func() { added = e.Add(parse("b.yaml")) }
	if err := e.Add(parse("a.yaml")); err == nil {
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
