package userauth_test

import (
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// boundingStore is a sharedStore that bounds what it holds itself
// (userauth.Bounder), as pgstore does for every replica.
type boundingStore struct{ sharedStore }

func (boundingStore) BoundsUserAuth() {}

// With a store that bounds codes and tokens itself, a replica's memory
// only caches them: a code and a pair its bound evicts stay stored (they
// may be in the store's bound, whose order another replica's writes set),
// and work when used, read from the store again.
func TestBookEvictionDeletesNothingFromAStoreThatBoundsItself(t *testing.T) {
	c := clock.NewManual(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	st := boundingStore{sharedStore{newMemStore()}}
	b := userauth.NewBook(c)
	b.Persist(st)
	first := mustGrant(b)
	tok, err := b.Exchange(app, mustGrant(b).Code)
	if err != nil {
		t.Fatal(err)
	}
	for range userauth.MaxCodes {
		mustGrant(b)
	}
	for range userauth.MaxTokens {
		if _, err := b.Exchange(app, mustGrant(b).Code); err != nil {
			t.Fatal(err)
		}
	}
	if len(st.deleted) != 0 {
		t.Fatalf("the book's bound deleted %d keys from a store that bounds itself; want none", len(st.deleted))
	}
	if _, err := b.Exchange(app, first.Code); err != nil {
		t.Errorf("a code evicted from memory only, exchanged: %v; want a token", err)
	}
	if _, err := b.Resolve(app, tok.AccessToken); err != nil {
		t.Errorf("a token evicted from memory only, used: %v; want its user", err)
	}
}
