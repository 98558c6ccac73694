package userauth_test

import (
	"errors"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

const app, other, user = "2021000000000001", "2021000000000002", "2088102177846880"

func newBook() (*userauth.Book, *clock.Sim) {
	c := clock.NewManual(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	return userauth.NewBook(c), c
}

func consent(t *testing.T, b *userauth.Book, scope string) userauth.Code {
	t.Helper()
	f, _ := b.Open(userauth.Form{AppID: app, Scope: scope, RedirectURI: "https://example.com/cb"})
	_, code, err := b.Consent(f.Token, user)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func TestShapes(t *testing.T) {
	b, _ := newBook()
	code := consent(t, b, userauth.ScopeUser)
	if !regexp.MustCompile(`^[0-9a-f]{28}[A-Z]{2}[0-9]{2}$`).MatchString(code.Code) {
		t.Fatalf("auth_code %q is not production's shape", code.Code)
	}
	tok, err := b.Exchange(app, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	shape := regexp.MustCompile(`^authusrB[0-9a-f]{29}[A-Z][0-9]{2}$`)
	if !shape.MatchString(tok.AccessToken) || !shape.MatchString(tok.RefreshToken) {
		t.Fatalf("tokens %q %q are not production's shape", tok.AccessToken, tok.RefreshToken)
	}
	if tok.AccessToken[len(tok.AccessToken)-2:] != code.Code[len(code.Code)-2:] {
		t.Fatal("the token does not end in the code's user digits")
	}
}

func TestFormIsOneTime(t *testing.T) {
	b, c := newBook()
	f, _ := b.Open(userauth.Form{AppID: app, Scope: userauth.ScopeBase})
	if _, _, err := b.Consent(f.Token, user); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Consent(f.Token, user); !errors.Is(err, userauth.ErrFormUnknown) {
		t.Fatalf("second consent: %v", err)
	}
	g, _ := b.Open(userauth.Form{AppID: app, Scope: userauth.ScopeBase})
	c.Advance(userauth.FormLifetime)
	if _, _, err := b.Consent(g.Token, user); !errors.Is(err, userauth.ErrFormUnknown) {
		t.Fatalf("expired form: %v", err)
	}
}

func TestCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		do   func(b *userauth.Book, c *clock.Sim, code string) error
	}{
		{"used", func(b *userauth.Book, c *clock.Sim, code string) error {
			if _, err := b.Exchange(app, code); err != nil {
				return nil // wrong: the first must work
			}
			_, err := b.Exchange(app, code)
			return err
		}},
		{"expired", func(b *userauth.Book, c *clock.Sim, code string) error {
			c.Advance(userauth.CodeLifetime)
			_, err := b.Exchange(app, code)
			return err
		}},
		{"foreign", func(b *userauth.Book, c *clock.Sim, code string) error {
			_, err := b.Exchange(other, code)
			return err
		}},
		{"spent by a foreign attempt", func(b *userauth.Book, c *clock.Sim, code string) error {
			_, _ = b.Exchange(other, code)
			_, err := b.Exchange(app, code)
			return err
		}},
		{"unknown", func(b *userauth.Book, c *clock.Sim, code string) error {
			_, err := b.Exchange(app, "nope")
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, c := newBook()
			code := consent(t, b, userauth.ScopeUser)
			if err := tc.do(b, c, code.Code); err != userauth.ErrCodeInvalid {
				t.Fatalf("got %v, want isv.code-invalid", err)
			}
		})
	}
}

func TestRefresh(t *testing.T) {
	b, c := newBook()
	first, err := b.Exchange(app, consent(t, b, userauth.ScopeUser).Code)
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(24 * time.Hour)
	if _, err := b.Refresh(other, first.RefreshToken); err != userauth.ErrUnmatchedApp {
		t.Fatalf("foreign refresh: %v", err)
	}
	second, err := b.Refresh(app, first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if !second.RefreshExpires.Equal(first.RefreshExpires) || !second.Expires.Equal(c.Now().Add(userauth.TokenLifetime)) {
		t.Fatalf("refresh deadlines: %+v after %+v", second, first)
	}
	if _, err := b.Resolve(app, first.AccessToken); err != userauth.ErrInvalidToken {
		t.Fatalf("the replaced access token: %v", err)
	}
	if _, err := b.Refresh(app, first.RefreshToken); err != userauth.ErrRefreshInvalid {
		t.Fatalf("the replaced refresh token: %v", err)
	}
	if _, err := b.Resolve(app, second.AccessToken); err != nil {
		t.Fatal(err)
	}
	c.Advance(userauth.TokenLifetime)
	if _, err := b.Resolve(app, second.AccessToken); err != userauth.ErrTokenTimeOut {
		t.Fatalf("expired access token: %v", err)
	}
	c.Advance(userauth.RefreshLifetime)
	if _, err := b.Refresh(app, second.RefreshToken); err != userauth.ErrRefreshTimeOut {
		t.Fatalf("expired refresh token: %v", err)
	}
}

// A replaced pair answers as one never made, so it goes at once: a chain
// of refreshes kept every old pair and, at the bound, evicted older tokens
// still in use.
func TestRefreshesLeaveOnePairAndEvictNoOther(t *testing.T) {
	b, _ := newBook()
	keeper, err := b.Exchange(app, consent(t, b, userauth.ScopeUser).Code)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := b.Exchange(app, consent(t, b, userauth.ScopeUser).Code)
	if err != nil {
		t.Fatal(err)
	}
	first := tok
	for range userauth.MaxTokens {
		if tok, err = b.Refresh(app, tok.RefreshToken); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, tokens := b.Len(); tokens != 2 {
		t.Errorf("%d tokens kept, want 2 (the keeper and the last of the chain)", tokens)
	}
	for _, s := range []string{keeper.AccessToken, tok.AccessToken} {
		if _, err := b.Resolve(app, s); err != nil {
			t.Fatalf("a token in use was let go: %v", err)
		}
	}
	if _, err := b.Resolve(app, first.AccessToken); err != userauth.ErrInvalidToken {
		t.Errorf("replaced access token: %v, want %v", err, userauth.ErrInvalidToken)
	}
	if _, err := b.Refresh(app, first.RefreshToken); err != userauth.ErrRefreshInvalid {
		t.Errorf("replaced refresh token: %v, want %v", err, userauth.ErrRefreshInvalid)
	}
}

func TestBounded(t *testing.T) {
	b, _ := newBook()
	for range userauth.MaxForms + 10 {
		_, _ = b.Open(userauth.Form{AppID: app, Scope: userauth.ScopeBase})
	}
	if forms, _, _ := b.Len(); forms != userauth.MaxForms {
		t.Fatalf("%d forms kept, want %d", forms, userauth.MaxForms)
	}
}

// memStore records what the book writes through; with failTokens set,
// token writes fail (a full disk).
type memStore struct {
	codes      map[string]userauth.Code
	tokens     map[string]userauth.Token
	deleted    []string
	deletes    int // calls to DeleteUserAuth: each is one commit (fsync) in mock/store
	failTokens bool
}

func (s *memStore) PutUserCode(c userauth.Code) error { s.codes[c.Code] = c; return nil }
func (s *memStore) PutUserToken(ts ...userauth.Token) error {
	if s.failTokens {
		return errors.New("disk full")
	}
	for _, t := range ts {
		s.tokens[t.AccessToken] = t
	}
	return nil
}
func (s *memStore) DeleteUserAuth(keys []string) error {
	s.deletes++
	s.deleted = append(s.deleted, keys...)
	for _, k := range keys {
		delete(s.tokens, k)
		delete(s.codes, k)
	}
	return nil
}

func newMemStore() *memStore {
	return &memStore{codes: map[string]userauth.Code{}, tokens: map[string]userauth.Token{}}
}

// At the bound, a refresh makes room by letting its old pair go first: it
// evicted the oldest token another user still uses, and the book was left
// one short.
func TestRefreshAtTheBoundEvictsNoOther(t *testing.T) {
	b, _ := newBook()
	st := newMemStore()
	b.Persist(st)
	var toks []userauth.Token
	for range userauth.MaxTokens {
		tok, err := b.Exchange(app, mustGrant(b).Code)
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, tok)
	}
	st.deleted = nil // the codes evicted so far
	next, err := b.Refresh(app, toks[100].RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, n := b.Len(); n != userauth.MaxTokens || len(st.tokens) != userauth.MaxTokens {
		t.Fatalf("kept %d tokens, stored %d; want %d", n, len(st.tokens), userauth.MaxTokens)
	}
	for _, s := range []string{toks[0].AccessToken, next.AccessToken} {
		if _, err := b.Resolve(app, s); err != nil {
			t.Fatalf("a token in use was evicted: %v", err)
		}
	}
	if len(st.deleted) != 1 || st.deleted[0] != toks[100].AccessToken {
		t.Fatalf("deleted %v, want only the replaced %s", st.deleted, toks[100].AccessToken)
	}
}

// When the new pair cannot be stored, the refresh is the store's failure
// (trade.ErrStore) and the old pair stays in force, in memory and stored
// unreplaced: the retry works, and so does a restart.
func TestRefreshWhoseNewPairIsNotStoredKeepsTheOldStored(t *testing.T) {
	b, _ := newBook()
	st := newMemStore()
	b.Persist(st)
	tok, err := b.Exchange(app, mustGrant(b).Code)
	if err != nil {
		t.Fatal(err)
	}
	st.failTokens = true
	if _, err := b.Refresh(app, tok.RefreshToken); !errors.Is(err, trade.ErrStore) {
		t.Fatalf("refresh with the store failing: %v, want trade.ErrStore", err)
	}
	if _, err := b.Resolve(app, tok.AccessToken); err != nil {
		t.Fatalf("the old access token after the failed refresh: %v", err)
	}
	if _, _, n := b.Len(); n != 1 {
		t.Fatalf("the book holds %d tokens, want the old one only", n)
	}
	if old, ok := st.tokens[tok.AccessToken]; !ok || old.Replaced || len(st.deleted) != 0 {
		t.Fatalf("stored %+v, deleted %v; want the old pair stored and unreplaced", st.tokens, st.deleted)
	}
	// A restart from that store: the old pair works.
	again, _ := newBook()
	again.Persist(newMemStore())
	var stored []userauth.Token
	for _, s := range st.tokens {
		stored = append(stored, s)
	}
	again.Restore(nil, stored)
	if _, err := again.Refresh(app, tok.RefreshToken); err != nil {
		t.Fatalf("the old pair after a restart: %v", err)
	}
	// The store back: the retry works.
	st.failTokens = false
	if _, err := b.Refresh(app, tok.RefreshToken); err != nil {
		t.Fatalf("the retry with the store back: %v", err)
	}
}

// Restore deletes what it does not keep (replaced pairs, what is over the
// bounds) in one call: one commit each was 4,000 fsyncs under the book's
// lock at a --data start with 2,000 replaced pairs.
func TestRestoreDeletesWhatItDropsAtOnce(t *testing.T) {
	b, c := newBook()
	st := newMemStore()
	b.Persist(st)
	now := c.Now()
	var tokens []userauth.Token
	for i := range 2000 {
		tokens = append(tokens, userauth.Token{AccessToken: fmt.Sprintf("a%d", i), RefreshToken: fmt.Sprintf("r%d", i),
			AppID: app, UserID: user, AuthStart: now.Add(time.Duration(i)), Expires: now.Add(time.Hour),
			RefreshExpires: now.Add(time.Hour), Replaced: i%2 == 0})
	}
	var codes []userauth.Code
	for i := range userauth.MaxCodes + 5 {
		codes = append(codes, userauth.Code{Code: fmt.Sprintf("c%d", i), AppID: app, UserID: user,
			Created: now.Add(time.Duration(i)), Expires: now.Add(time.Hour)})
	}
	b.Restore(codes, tokens)
	if _, n, k := b.Len(); n != userauth.MaxCodes || k != 1000 {
		t.Fatalf("kept %d codes and %d tokens, want %d and 1000", n, k, userauth.MaxCodes)
	}
	if st.deletes != 1 || len(st.deleted) != 1005 {
		t.Fatalf("%d delete calls for %d keys, want 1 for 1005 (5 codes, 1000 replaced pairs)", st.deletes, len(st.deleted))
	}
	if _, err := b.Resolve(app, "a1"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Resolve(app, "a0"); err != userauth.ErrInvalidToken {
		t.Fatalf("a replaced pair after Restore: %v", err)
	}
}

func TestPersistWritesThroughAndRestoresWithinBounds(t *testing.T) {
	b, c := newBook()
	st := &memStore{codes: map[string]userauth.Code{}, tokens: map[string]userauth.Token{}}
	b.Persist(st)
	code := mustGrant(b)
	tok, err := b.Exchange(app, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	if !st.codes[code.Code].Used || st.tokens[tok.AccessToken].UserID != user {
		t.Fatalf("not written through: %+v", st)
	}
	old := st.tokens[tok.AccessToken]
	next, err := b.Refresh(app, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if st.tokens[next.AccessToken].UserID != user || len(st.deleted) != 1 || st.deleted[0] != tok.AccessToken {
		t.Fatalf("the refresh wrote %+v and deleted %v; want the new pair written, the old one deleted", st.tokens, st.deleted)
	}
	// A replaced pair stored by an older version is deleted at start.
	old.Replaced = true
	again, _ := newBook()
	st3 := &memStore{codes: map[string]userauth.Code{}, tokens: map[string]userauth.Token{}}
	again.Persist(st3)
	again.Restore(nil, []userauth.Token{old, st.tokens[next.AccessToken]})
	if _, _, n := again.Len(); n != 1 || len(st3.deleted) != 1 || st3.deleted[0] != tok.AccessToken {
		t.Fatalf("restored %d tokens, deleted %v; want 1 and the replaced one deleted", n, st3.deleted)
	}
	if _, err := again.Resolve(app, next.AccessToken); err != nil {
		t.Fatal(err)
	}

	var codes []userauth.Code
	for i := range userauth.MaxCodes + 5 {
		codes = append(codes, userauth.Code{Code: string(rune('a'+i%26)) + time.Duration(i).String(), AppID: app, UserID: user,
			Created: c.Now().Add(time.Duration(i)), Expires: c.Now().Add(time.Hour)})
	}
	fresh, _ := newBook()
	st2 := &memStore{codes: map[string]userauth.Code{}, tokens: map[string]userauth.Token{}}
	fresh.Persist(st2)
	fresh.Restore(codes, nil)
	if _, n, _ := fresh.Len(); n != userauth.MaxCodes || len(st2.deleted) != 5 || st2.deleted[0] != codes[0].Code {
		t.Fatalf("restored %d codes, deleted %v; want %d kept and the 5 oldest deleted", n, st2.deleted, userauth.MaxCodes)
	}
}

// mustGrant is a code for user of app (the store, if any, keeps it).
func mustGrant(b *userauth.Book) userauth.Code {
	c, err := b.Grant(app, userauth.ScopeUser, user)
	if err != nil {
		panic(err)
	}
	return c
}
