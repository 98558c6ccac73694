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

// sharedStore is a store two books share, as replicas share --store: what
// each wrote, and what each deleted.
type sharedStore struct {
	mu      sync.Mutex
	codes   map[string]appauth.Code
	deleted []string
}

func (s *sharedStore) PutCode(c appauth.Code) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[c.Code] = c
	return nil
}
func (s *sharedStore) PutToken(appauth.Token) error { return nil }
func (s *sharedStore) DeleteAppAuth(keys []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.codes, k)
	}
	s.deleted = append(s.deleted, keys...)
	return nil
}

// all is what a replica's follow reads: every stored code.
func (s *sharedStore) all() []appauth.Code {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []appauth.Code
	for _, c := range s.codes {
		out = append(out, c)
	}
	return out
}

// Two replicas on a frozen clock refill past the code bound: each puts
// what the other made in the order made, not after what it knew, so both
// evict the first made (the other replica's code), the same one, and the
// store keeps the bound: not one code fewer.
func TestReplicasRefillingPastTheCodeBoundEvictTheFirstMadeAndAgree(t *testing.T) {
	st := &sharedStore{codes: map[string]appauth.Code{}}
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
