package appauth

import (
	"errors"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/clock"
)

const isv, other = "2021000000000001", "2021000000000002"

func setup() (*Book, *clock.Sim, Merchant) {
	c := clock.NewManual(time.Date(2026, 6, 5, 10, 0, 0, 0, time.UTC))
	b := NewBook(c, fixtures.New(1))
	return b, c, b.NewMerchant()
}

func isErr(t *testing.T, err error, want *apierr.Error) {
	t.Helper()
	var e *apierr.Error
	if !errors.As(err, &e) || e.Code != want.Code || e.SubCode != want.SubCode {
		t.Fatalf("error %v, want %s %s", err, want.Code, want.SubCode)
	}
}

func TestCodeIsGoodOnceForItsAppWithinADay(t *testing.T) {
	tests := []struct {
		name  string
		app   string
		wait  time.Duration
		twice bool
		want  *apierr.Error
	}{
		{"fresh", isv, 0, false, nil},
		{"another app", other, 0, false, ErrAppIDInconsistent},
		{"used twice", isv, 0, true, ErrCodeNotValid},
		{"a day old", isv, CodeLifetime, false, ErrCodeNotValid},
		{"just inside a day", isv, CodeLifetime - time.Second, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, c, m := setup()
			code, err := b.Authorise(isv, m)
			if err != nil {
				t.Fatal(err)
			}
			c.Advance(tt.wait)
			if tt.twice {
				if _, err := b.Exchange(tt.app, code.Code); err != nil {
					t.Fatal(err)
				}
			}
			tok, err := b.Exchange(tt.app, code.Code)
			if tt.want != nil {
				isErr(t, err, tt.want)
				return
			}
			if err != nil || tok.Merchant != m || len(tok.AppAuthToken) != 40 || tok.AppAuthToken == tok.RefreshToken {
				t.Fatalf("token %+v %v", tok, err)
			}
		})
	}
	b, _, _ := setup()
	_, err := b.Exchange(isv, "nope")
	isErr(t, err, ErrCodeNotExist)
}

// A token acts for its merchant until a newer one replaces it, however
// long: production's tokens do not expire.
func TestTokensActForTheMerchantUntilReplaced(t *testing.T) {
	b, c, m := setup()
	code, _ := b.Authorise(isv, m)
	tok, _ := b.Exchange(isv, code.Code)
	if got, err := b.Resolve(isv, tok.AppAuthToken); err != nil || got.Merchant.AuthAppID != m.AuthAppID {
		t.Fatalf("resolve: %+v %v", got, err)
	}
	_, err := b.Resolve(other, tok.AppAuthToken)
	isErr(t, err, ErrInvalidToken)
	_, err = b.Resolve(isv, "201506BB0000")
	isErr(t, err, ErrInvalidToken)

	c.Advance(TokenLifetime + time.Hour) // past what expires_in said
	if _, err := b.Resolve(isv, tok.AppAuthToken); err != nil {
		t.Fatalf("a token past expires_in: %v", err)
	}
	fresh, err := b.Refresh(isv, tok.RefreshToken)
	if err != nil || fresh.AppAuthToken == tok.AppAuthToken || fresh.Grant != code.Code {
		t.Fatalf("refresh: %+v %v", fresh, err)
	}
	// The old token works for ten minutes more.
	if _, err := b.Resolve(isv, tok.AppAuthToken); err != nil {
		t.Fatalf("old token within its grace: %v", err)
	}
	c.Advance(RefreshGrace)
	_, err = b.Resolve(isv, tok.AppAuthToken)
	isErr(t, err, ErrInvalidToken)
	if _, err := b.Resolve(isv, fresh.AppAuthToken); err != nil {
		t.Fatal(err)
	}
	// The used refresh token works on until its term: a retry gets a new
	// pair, which replaces the one the lost answer carried.
	again, err := b.Refresh(isv, tok.RefreshToken)
	if err != nil || again.AppAuthToken == fresh.AppAuthToken {
		t.Fatalf("the used refresh token again: %+v %v", again, err)
	}
	c.Advance(RefreshGrace)
	_, err = b.Resolve(isv, fresh.AppAuthToken)
	isErr(t, err, ErrInvalidToken)
	_, err = b.Refresh(other, again.RefreshToken)
	isErr(t, err, ErrAppIDInconsistent)
	_, err = b.Refresh(isv, "nope")
	isErr(t, err, ErrRefreshNotExist)
	c.Advance(RefreshLifetime)
	_, err = b.Refresh(isv, again.RefreshToken)
	isErr(t, err, ErrRefreshTimeOut)
	_, err = b.Refresh(isv, fresh.RefreshToken)
	isErr(t, err, ErrRefreshTimeOut)
	_, err = b.Refresh(isv, tok.RefreshToken) // ExpiredKept past its term: let go
	isErr(t, err, ErrRefreshNotExist)
	if _, err := b.Resolve(isv, again.AppAuthToken); err != nil {
		t.Fatalf("the token in use past its refresh token's term: %v", err)
	}
	// ExpiredKept later the replaced ones go; the one in use stays.
	c.Advance(ExpiredKept)
	_, err = b.Refresh(isv, fresh.RefreshToken)
	isErr(t, err, ErrRefreshNotExist)
	if got, _ := b.Tokens(isv, 0, 10); len(got) != 1 || got[0].AppAuthToken != again.AppAuthToken {
		t.Errorf("tokens kept: %+v, want the one in use", got)
	}
}

// The merchant authorising the same ISV again replaces its token (after
// the grace) and refuses the refresh tokens of the earlier authorisation;
// another merchant's token is not touched.
func TestReauthorisingReplacesTheToken(t *testing.T) {
	b, c, m := setup()
	code, _ := b.Authorise(isv, m)
	old, _ := b.Exchange(isv, code.Code)
	code, _ = b.Authorise(isv, b.NewMerchant())
	another, _ := b.Exchange(isv, code.Code)
	code, _ = b.Authorise(isv, m)
	fresh, err := b.Exchange(isv, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Resolve(isv, old.AppAuthToken); err != nil {
		t.Fatalf("the old token within its grace: %v", err)
	}
	_, err = b.Refresh(isv, old.RefreshToken)
	isErr(t, err, ErrRefreshNotValid)
	c.Advance(RefreshGrace)
	_, err = b.Resolve(isv, old.AppAuthToken)
	isErr(t, err, ErrInvalidToken)
	for _, s := range []string{fresh.AppAuthToken, another.AppAuthToken} {
		if _, err := b.Resolve(isv, s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Refresh(isv, fresh.RefreshToken); err != nil {
		t.Fatal(err)
	}
	// Another replica derives the same from the tokens alone, made at
	// the same instant as they are.
	stored, _ := b.Tokens("", 0, 10)
	restored := NewBook(c, fixtures.New(2))
	for i := range stored {
		stored[i].ReplacedAt = nil
	}
	restored.Restore(nil, stored)
	_, err = restored.Resolve(isv, old.AppAuthToken)
	isErr(t, err, ErrInvalidToken)
	_, err = restored.Refresh(isv, old.RefreshToken)
	isErr(t, err, ErrRefreshNotValid)
	if _, err := restored.Resolve(isv, another.AppAuthToken); err != nil {
		t.Fatal(err)
	}
}

// A token whose end came goes wherever it stands: an older token still
// in use does not hold dead ones behind it.
func TestDeadTokensGoBehindALiveOne(t *testing.T) {
	b, c, m := setup()
	code, _ := b.Authorise(isv, m)
	keeper, err := b.Exchange(isv, code.Code) // the oldest, used all along
	if err != nil {
		t.Fatal(err)
	}
	code, _ = b.Authorise(isv, b.NewMerchant())
	tok, err := b.Exchange(isv, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if tok, err = b.Refresh(isv, tok.RefreshToken); err != nil {
			t.Fatal(err)
		}
	}
	if _, tokens := b.Len(); tokens != 52 {
		t.Fatalf("%d tokens kept within the grace, want 52", tokens)
	}
	// The refreshed ones are kept while their refresh tokens work.
	c.Advance(RefreshLifetime + ExpiredKept)
	if _, tokens := b.Len(); tokens != 2 {
		t.Fatalf("%d tokens kept past their terms, want 2 (the oldest and the last)", tokens)
	}
	for _, s := range []string{keeper.AppAuthToken, tok.AppAuthToken} {
		if _, err := b.Resolve(isv, s); err != nil {
			t.Fatal(err)
		}
	}
}

// On a frozen clock nothing expires: the oldest go past the bounds.
func TestBookIsBoundedOnAFrozenClock(t *testing.T) {
	b, _, m := setup()
	code, _ := b.Authorise(isv, m)
	tok, err := b.Exchange(isv, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	first := tok
	for i := 0; i < MaxTokens; i++ {
		if tok, err = b.Refresh(isv, tok.RefreshToken); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < MaxCodes; i++ {
		if _, err := b.Authorise(isv, m); err != nil {
			t.Fatal(err)
		}
	}
	if codes, tokens := b.Len(); codes != MaxCodes || tokens != MaxTokens {
		t.Fatalf("kept %d codes, %d tokens; want %d, %d", codes, tokens, MaxCodes, MaxTokens)
	}
	_, err = b.Resolve(isv, first.AppAuthToken)
	isErr(t, err, ErrInvalidToken)
	_, err = b.Refresh(isv, first.RefreshToken)
	isErr(t, err, ErrRefreshNotExist)
	_, err = b.Exchange(isv, code.Code)
	isErr(t, err, ErrCodeNotExist)
	if _, err := b.Resolve(isv, tok.AppAuthToken); err != nil {
		t.Fatal(err)
	}
	page, next := b.Tokens(isv, 0, 1000)
	if len(page) != 1000 || next == 0 {
		t.Fatalf("first page: %d, next %d", len(page), next)
	}
}

// failingNew is a store that, when told, fails to write a token that is
// not spent: a refresh's new pair.
type failingNew struct{ fail bool }

func (f *failingNew) PutCode(Code) error { return nil }
func (f *failingNew) PutToken(t Token) error {
	if f.fail && !t.Refreshed {
		return errors.New("disk full")
	}
	return nil
}
func (f *failingNew) DeleteAppAuth([]string) error { return nil }

// A refresh whose new pair could not be stored does not spend the refresh
// token: the ISV's retry, once the store works, gets a new pair.
func TestFailedRefreshLeavesItsTokenUnspent(t *testing.T) {
	b, _, m := setup()
	st := &failingNew{}
	b.Persist(st)
	code, _ := b.Authorise(isv, m)
	tok, err := b.Exchange(isv, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	st.fail = true
	if _, err := b.Refresh(isv, tok.RefreshToken); err == nil {
		t.Fatal("a refresh whose new pair was not stored answered a pair")
	}
	st.fail = false
	if _, err := b.Refresh(isv, tok.RefreshToken); err != nil {
		t.Fatalf("the retry after the store recovered: %v", err)
	}
}

// A store failing for long costs nothing per refresh the ISV retries: a
// refresh whose new pair could not be stored leaves nothing behind (it
// left a filing in the queue by end each time, without bound).
func TestFailedRefreshesLeaveNothingBehind(t *testing.T) {
	b, c, m := setup()
	st := &failingNew{}
	b.Persist(st)
	code, _ := b.Authorise(isv, m)
	tok, err := b.Exchange(isv, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	st.fail = true
	retry := func(n int) {
		for i := 1; i <= n; i++ {
			if _, err := b.Refresh(isv, tok.RefreshToken); err == nil {
				t.Fatal("a refresh whose new pair was not stored answered a pair")
			}
			if i%1000 == 0 {
				c.Advance(RefreshGrace + time.Minute) // the grace a failed refresh began would be over
			}
		}
	}
	retry(100000)
	// What the book keeps for its one token: the token, its slot in the
	// order of arrival and its filing by end, and stale ones compaction
	// has not reached yet (at most twice the live ones and 64).
	if kept, slots, filings := b.tokens.Held(); kept != 1 || slots > 2+64 || filings > 2+64 {
		t.Errorf("after 100,000 failed refreshes: %d tokens, %d slots, %d filings by end; want 1 and at most 66 each", kept, slots, filings)
	}
	st.fail = false
	next, err := b.Refresh(isv, tok.RefreshToken)
	if err != nil {
		t.Fatalf("the retry after the store recovered: %v", err)
	}
	c.Advance(RefreshLifetime + ExpiredKept)
	if _, tokens := b.Len(); tokens != 1 {
		t.Errorf("%d tokens kept past the old one's terms, want 1", tokens)
	}
	if _, err := b.Resolve(isv, next.AppAuthToken); err != nil {
		t.Fatal(err)
	}
}

// recording is a store that keeps what the book wrote and deleted.
type recording struct{ tokens map[string]Token }

func (r *recording) PutCode(Code) error     { return nil }
func (r *recording) PutToken(t Token) error { r.tokens[t.AppAuthToken] = t; return nil }
func (r *recording) DeleteAppAuth(keys []string) error {
	for _, k := range keys {
		delete(r.tokens, k)
	}
	return nil
}

// At the bound with every kept token in use, the first refresh makes the
// token it spent go, not the oldest one a merchant still uses: the old
// token's new, earlier end has to be filed before the new one needs room.
func TestFirstRefreshAtTheBoundKeepsTheOldest(t *testing.T) {
	b, _, _ := setup()
	st := &recording{tokens: map[string]Token{}}
	b.Persist(st)
	var toks []Token
	for i := 0; i < MaxTokens; i++ {
		code, _ := b.Authorise(isv, b.NewMerchant())
		tok, err := b.Exchange(isv, code.Code)
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, tok)
	}
	next, err := b.Refresh(isv, toks[100].RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{toks[0].AppAuthToken, next.AppAuthToken} {
		if _, err := b.Resolve(isv, s); err != nil {
			t.Fatalf("a token in use was evicted: %v", err)
		}
	}
	_, err = b.Resolve(isv, toks[100].AppAuthToken)
	isErr(t, err, ErrInvalidToken)
	if _, tokens := b.Len(); tokens != MaxTokens || len(st.tokens) != MaxTokens {
		t.Fatalf("kept %d tokens, stored %d; want %d", tokens, len(st.tokens), MaxTokens)
	}
	if _, ok := st.tokens[toks[0].AppAuthToken]; !ok {
		t.Error("the oldest token in use is no longer stored")
	}
}

// At the bound, tokens no longer in use (refreshed, or past both terms)
// go before the oldest one a merchant's authorisation still rests on: a
// chain of refreshes on a frozen clock evicted every older live token.
func TestSpentTokensGoFirstAtTheBound(t *testing.T) {
	b, c, m := setup()
	st := &recording{tokens: map[string]Token{}}
	b.Persist(st)
	code, _ := b.Authorise(isv, m)
	keeper, err := b.Exchange(isv, code.Code) // the oldest, used all along
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Second) // so that a restart also knows it is the oldest
	code, _ = b.Authorise(isv, b.NewMerchant())
	tok, err := b.Exchange(isv, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	first := tok
	for i := 0; i < MaxTokens; i++ {
		if tok, err = b.Refresh(isv, tok.RefreshToken); err != nil {
			t.Fatal(err)
		}
	}
	if _, tokens := b.Len(); tokens != MaxTokens || len(st.tokens) != MaxTokens {
		t.Fatalf("kept %d tokens, stored %d; want %d", tokens, len(st.tokens), MaxTokens)
	}
	for _, s := range []string{keeper.AppAuthToken, tok.AppAuthToken} {
		if _, err := b.Resolve(isv, s); err != nil {
			t.Fatalf("a token in use was evicted: %v", err)
		}
	}
	// The spent ones went, soonest end first (the same end: oldest first).
	_, err = b.Resolve(isv, first.AppAuthToken)
	isErr(t, err, ErrInvalidToken)
	if _, ok := st.tokens[first.AppAuthToken]; ok {
		t.Error("the evicted token is still stored")
	}

	// So does a restart (Restore): one more live token, made on another
	// replica, makes a spent one go, not the keeper.
	stored := []Token{}
	for _, s := range st.tokens {
		stored = append(stored, s)
	}
	now := c.Now()
	stored = append(stored, Token{AppAuthToken: "202606BBnew", RefreshToken: "202606BBnewref", ISVAppID: isv,
		Merchant: b.NewMerchant(), Created: now.Add(time.Second), Expires: now.Add(TokenLifetime),
		RefreshExpires: now.Add(RefreshLifetime)})
	fresh := NewBook(c, fixtures.New(2))
	st2 := &recording{tokens: map[string]Token{}}
	fresh.Persist(st2)
	fresh.Restore(nil, stored)
	if _, tokens := fresh.Len(); tokens != MaxTokens {
		t.Fatalf("restored %d tokens, want %d", tokens, MaxTokens)
	}
	for _, s := range []string{keeper.AppAuthToken, tok.AppAuthToken, "202606BBnew"} {
		if _, err := fresh.Resolve(isv, s); err != nil {
			t.Fatalf("restore evicted a token in use: %v", err)
		}
	}
}
