package userauth_test

import (
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// sharedStore is a memStore two books share, as replicas share --store,
// with its reads (userauth.Reader) and conditional spending.
type sharedStore struct{ *memStore }

func (s sharedStore) PutUserCode(c userauth.Code) error {
	if old, ok := s.codes[c.Code]; c.Used && (!ok || old.Used) {
		return userauth.ErrCodeInvalid
	}
	return s.memStore.PutUserCode(c)
}
func (s sharedStore) UserCode(code string) (userauth.Code, bool, error) {
	c, ok := s.codes[code]
	return c, ok, nil
}
func (s sharedStore) UserToken(token string) (userauth.Token, bool, error) {
	t, ok := s.tokens[token]
	return t, ok, nil
}
func (s sharedStore) UserTokenByRefresh(refresh string) (userauth.Token, bool, error) {
	for _, t := range s.tokens {
		if t.RefreshToken == refresh {
			return t, true, nil
		}
	}
	return userauth.Token{}, false, nil
}

// all is what a replica's reload reads.
func (s sharedStore) all() ([]userauth.Code, []userauth.Token) {
	var cs []userauth.Code
	for _, c := range s.codes {
		cs = append(cs, c)
	}
	var ts []userauth.Token
	for _, t := range s.tokens {
		ts = append(ts, t)
	}
	return cs, ts
}

// A code one replica evicts past the bound goes for all: deleted from the
// store, gone from the other replica once it reads the store again, and
// invalid there; the store keeps the bound.
func TestReplicasEvictASignInCodeForAll(t *testing.T) {
	c := clock.NewManual(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	st := sharedStore{newMemStore()}
	a, b := userauth.NewBook(c), userauth.NewBook(c)
	a.Persist(st)
	b.Persist(st)
	first := mustGrant(a)
	b.Restore(st.all())
	if _, codes, _ := b.Len(); codes != 1 {
		t.Fatalf("replica b holds %d codes after reading the store; want 1", codes)
	}
	for range userauth.MaxCodes {
		mustGrant(a)
	}
	if len(st.deleted) != 1 || st.deleted[0] != first.Code {
		t.Fatalf("replica a deleted %v past the bound; want the first code %s", st.deleted, first.Code)
	}
	b.Restore(st.all())
	if _, err := b.Exchange(app, first.Code); err != userauth.ErrCodeInvalid {
		t.Errorf("the evicted code exchanged on replica b: %v; want isv.code-invalid", err)
	}
	if len(st.codes) != userauth.MaxCodes || len(st.deleted) != 1 {
		t.Errorf("the store holds %d codes, %d deleted; want the bound %d, one deleted", len(st.codes), len(st.deleted), userauth.MaxCodes)
	}
}
