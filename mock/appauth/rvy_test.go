package appauth_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/appauth"
	"github.com/alipay-mock/alipay-mock/mock/clock"
)

// rvyStore is a store two books share, as replicas share --store: what
// each wrote, and what each deleted.
type rvyStore struct {
	mu      sync.Mutex
	codes   map[string]appauth.Code
	deleted []string
}

func (s *rvyStore) PutCode(c appauth.Code) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[c.Code] = c
	return nil
}
func (s *rvyStore) PutToken(appauth.Token) error { return nil }
func (s *rvyStore) DeleteAppAuth(keys []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.codes, k)
	}
	s.deleted = append(s.deleted, keys...)
	return nil
}

// all is what a replica's follow reads: every stored code.
func (s *rvyStore) all() []appauth.Code {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []appauth.Code
	for _, c := range s.codes {
		out = append(out, c)
	}
	return out
}

// Two replicas on a frozen clock refill past the code bound: the CHANGELOG
// says a replica's refill evicts the first made and that replicas agree.
// But a replica keeps the place of what it knew and puts what another made
// after it, so each evicts its own code of the largest app (not the first
// made, which the other replica made), and the two together delete two
// codes for one past the bound.
func TestRvyReplicasRefillPastTheBoundEvictTheFirstMadeAndAgree(t *testing.T) {
	st := &rvyStore{codes: map[string]appauth.Code{}}
	a := fairBook()
	b := appauth.NewBook(clock.NewManual(time.Date(2026, 6, 5, 10, 0, 0, 0, time.UTC)), fixtures.New(2)) // its own ids
	a.Persist(st)
	b.Persist(st)
	// Codes of many apps, one each, that both replicas know.
	for i := range appauth.MaxCodes - 2 {
		if _, err := a.Authorise(fmt.Sprintf("2021%012d", 100000+i), a.NewMerchant()); err != nil {
			t.Fatal(err)
		}
	}
	b.Restore(st.all(), nil)
	a.Restore(st.all(), nil)
	// Before either follows the other: replica b's code first, then two
	// of a's, all for one ISV app, which now holds the most.
	first, err := b.Authorise(victim, b.NewMerchant())
	if err != nil {
		t.Fatal(err)
	}
	x1, err := a.Authorise(victim, a.NewMerchant())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authorise(victim, a.NewMerchant()); err != nil {
		t.Fatal(err)
	}
	if len(st.deleted) != 0 {
		t.Fatalf("deleted %v before the follow", st.deleted)
	}
	// Both follow what is stored: one code past the bound.
	snap := st.all()
	a.Restore(slices.Clone(snap), nil)
	b.Restore(slices.Clone(snap), nil)
	if len(st.deleted) != 2 || st.deleted[0] != first.Code || st.deleted[1] != first.Code {
		t.Errorf("the replicas deleted %v; want the first made %s, by both (x1 of replica a is %s)", st.deleted, first.Code, x1.Code)
	}
	if n := len(st.all()); n != appauth.MaxCodes {
		t.Errorf("the store holds %d codes after both followed; want the bound %d", n, appauth.MaxCodes)
	}
}

// One process evicts, past the token bound, the first token made; a
// restart (--data) refills by Created first, so after the clock was set
// back ({"set":"now"} after an advance, as docs/clock-and-notifications.md
// shows) it evicts another: a restart behaves unlike the process it
// replaces. Made, strictly increasing in a process, would keep its order.
func TestRvyRestartAfterTheClockWasSetBackEvictsTheFirstTokenMade(t *testing.T) {
	start := time.Date(2026, 6, 5, 10, 0, 0, 0, time.UTC)
	c := clock.NewManual(start)
	a := appauth.NewBook(c, fixtures.New(1))
	var made []appauth.Token
	mint := func() {
		code, err := a.Authorise(flooder, a.NewMerchant())
		if err != nil {
			t.Fatal(err)
		}
		tk, err := a.Exchange(flooder, code.Code)
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, tk)
	}
	c.Advance(time.Hour)
	mint() // the first made, an hour ahead
	c.Set(start)
	for range appauth.MaxTokens - 1 {
		mint()
	}
	stored := slices.Clone(made)
	b := appauth.NewBook(clock.NewManual(start), fixtures.New(2)) // the restart
	b.Restore(nil, stored)
	// One more token in each: past the bound.
	for _, bk := range []*appauth.Book{a, b} {
		code, err := bk.Authorise(flooder, bk.NewMerchant())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bk.Exchange(flooder, code.Code); err != nil {
			t.Fatal(err)
		}
	}
	_, errA := a.Resolve(flooder, made[0].AppAuthToken)
	_, errB := b.Resolve(flooder, made[0].AppAuthToken)
	if (errA == nil) != (errB == nil) {
		t.Errorf("the first token made past the bound: one process %v, after a restart %v; want the same", errA, errB)
	}
	_, errA = a.Resolve(flooder, made[1].AppAuthToken)
	_, errB = b.Resolve(flooder, made[1].AppAuthToken)
	if (errA == nil) != (errB == nil) {
		t.Errorf("the second token made past the bound: one process %v, after a restart %v; want the same", errA, errB)
	}
}
