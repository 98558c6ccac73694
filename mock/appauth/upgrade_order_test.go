package appauth_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/appauth"
	"github.com/alipay-mock/alipay-mock/mock/clock"
)

// A --data file of the release before `made` (0.1.0), on a mock clock set
// ahead of the host's: the upgraded process puts its legacy tokens first
// and its own token last; its restart must do the same. bounded.MadeOr
// compares a legacy token's mock-clock time with a new token's host
// wall-clock made, two clocks, so the restart puts the newest token first
// and past the bound evicts it instead of the oldest legacy one.
func TestRestartOfUpgradedDataEvictsAsTheProcessItReplaces(t *testing.T) {
	ahead := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	old := appauth.NewBook(clock.NewManual(ahead), fixtures.New(1))
	mint := func(b *appauth.Book) appauth.Token {
		_, tk := mint(t, b, flooder)
		return tk
	}
	var legacy []appauth.Token
	for range appauth.MaxTokens - 1 {
		tk := mint(old)
		tk.Made = 0 // stored before made was
		legacy = append(legacy, tk)
	}
	up := appauth.NewBook(clock.NewManual(ahead), fixtures.New(2)) // the upgrade
	up.Restore(nil, slices.Clone(legacy))
	newest := mint(up)                                                // the bound is full
	again := appauth.NewBook(clock.NewManual(ahead), fixtures.New(3)) // its restart
	again.Restore(nil, append(slices.Clone(legacy), newest))
	mint(up)
	mint(again)
	_, errUp := up.Resolve(flooder, newest.AppAuthToken)
	_, errAgain := again.Resolve(flooder, newest.AppAuthToken)
	if (errUp == nil) != (errAgain == nil) {
		t.Errorf("the newest token past the bound: the upgraded process %v, its restart %v; want the same (the oldest legacy token goes)", errUp, errAgain)
	}
}

// tokenStore is a store two books share, as replicas share --store: the
// tokens each wrote.
type tokenStore struct {
	mu     sync.Mutex
	tokens map[string]appauth.Token
}

func (s *tokenStore) PutCode(appauth.Code) error { return nil }
func (s *tokenStore) PutToken(t appauth.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[t.AppAuthToken] = t
	return nil
}
func (s *tokenStore) DeleteAppAuth(keys []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.tokens, k)
	}
	return nil
}

// A replica's refill that learns of a token another replica made before
// those it knew gives each of those a new position (Restore's place), past
// a walk's cursor: a walk of /_mock/app-auth-tokens across it may visit
// them again, but never skips one (docs/limits.md).
func TestTokenPagesAcrossARefillSkipNoToken(t *testing.T) {
	st := &tokenStore{tokens: map[string]appauth.Token{}}
	c := clock.NewManual(time.Date(2026, 6, 5, 10, 0, 0, 0, time.UTC))
	a := appauth.NewBook(c, fixtures.New(1))
	b := appauth.NewBook(c, fixtures.New(2))
	a.Persist(st)
	b.Persist(st)
	mint := func(bk *appauth.Book) {
		code, err := bk.Authorise(flooder, bk.NewMerchant())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bk.Exchange(flooder, code.Code); err != nil {
			t.Fatal(err)
		}
	}
	mint(a) // replica b has not followed yet
	for range 3 {
		mint(b)
	}
	page, next := b.Tokens("", 0, 2)
	seen := map[string]bool{}
	for _, tk := range page {
		seen[tk.AppAuthToken] = true
	}
	var all []appauth.Token
	st.mu.Lock()
	for _, tk := range st.tokens {
		all = append(all, tk)
	}
	st.mu.Unlock()
	b.Restore(nil, all) // b follows what a made
	for next != 0 {
		page, next = b.Tokens("", next, 2)
		for _, tk := range page {
			seen[tk.AppAuthToken] = true
		}
	}
	for _, tk := range all {
		if !seen[tk.AppAuthToken] {
			t.Errorf("token %s, kept before the walk began, never visited", tk.AppAuthToken)
		}
	}
	if len(all) != 4 {
		t.Fatalf("the store keeps %d tokens, want 4", len(all))
	}
}
