package appauth_test

import (
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/appauth"
	"github.com/alipay-mock/alipay-mock/mock/clock"
)

// flooder and victim are two ISV apps: the first floods the book through
// the public authorisation page, which anyone reaching the mock may do
// for the shipped dev app.
const flooder, victim = "2021000000000001", "2021000000000002"

func fairBook() *appauth.Book {
	return appauth.NewBook(clock.NewManual(time.Date(2026, 6, 5, 10, 0, 0, 0, time.UTC)), fixtures.New(1))
}

// One app's flood of codes and tokens past the bounds evicts its own
// oldest: another app's token in use and its pending code stay, as do the
// flood's newest.
func TestAFloodEvictsOnlyItsOwnApps(t *testing.T) {
	b := fairBook()
	_, tok := mint(t, b, victim)
	pending, err := b.Authorise(victim, b.NewMerchant())
	if err != nil {
		t.Fatal(err)
	}
	var first, last appauth.Token
	for i := range appauth.MaxTokens + 10 {
		c, err := b.Authorise(flooder, b.NewMerchant())
		if err != nil {
			t.Fatal(err)
		}
		if last, err = b.Exchange(flooder, c.Code); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = last
		}
	}
	var firstCode, lastCode appauth.Code
	for i := range appauth.MaxCodes + 10 {
		if lastCode, err = b.Authorise(flooder, b.NewMerchant()); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			firstCode = lastCode
		}
	}
	if codes, tokens := b.Len(); codes != appauth.MaxCodes || tokens != appauth.MaxTokens {
		t.Fatalf("kept %d codes, %d tokens; want the bounds %d, %d", codes, tokens, appauth.MaxCodes, appauth.MaxTokens)
	}
	if got, err := b.Resolve(victim, tok.AppAuthToken); err != nil || got.Merchant != tok.Merchant {
		t.Fatalf("the other app's token after the flood: %v (merchant %v, want %v)", err, got.Merchant, tok.Merchant)
	}
	if _, err := b.Resolve(flooder, last.AppAuthToken); err != nil {
		t.Fatalf("the flood's newest token: %v", err)
	}
	if _, err := b.Resolve(flooder, first.AppAuthToken); err == nil {
		t.Fatal("the flood's oldest token still kept past the bound")
	}
	if _, err := b.Exchange(victim, pending.Code); err != nil {
		t.Fatalf("the other app's pending code after the flood: %v", err)
	}
	if _, err := b.Exchange(flooder, lastCode.Code); err != nil {
		t.Fatalf("the flood's newest code: %v", err)
	}
	if _, err := b.Exchange(flooder, firstCode.Code); err == nil {
		t.Fatal("the flood's oldest code still kept past the bound")
	}
}

// A restart (--data) or a replica (--store) refills the book from what is
// stored; past the bounds the largest app's oldest go there too.
func TestRestorePastTheBoundsKeepsOtherApps(t *testing.T) {
	src := fairBook()
	mine, err := src.Authorise(victim, src.NewMerchant())
	if err != nil {
		t.Fatal(err)
	}
	_, tok := mint(t, src, victim)
	codes, tokens := []appauth.Code{mine}, []appauth.Token{tok}
	for range appauth.MaxTokens + 10 {
		c, tk := mint(t, src, flooder)
		tokens = append(tokens, tk)
		c.Used = false // as if stored before it was used: a flood of pending codes
		codes = append(codes, c)
	}
	b := fairBook()
	b.Restore(codes, tokens)
	if nc, nt := b.Len(); nc != appauth.MaxCodes || nt != appauth.MaxTokens {
		t.Fatalf("restored %d codes, %d tokens; want the bounds %d, %d", nc, nt, appauth.MaxCodes, appauth.MaxTokens)
	}
	if _, err := b.Resolve(victim, tok.AppAuthToken); err != nil {
		t.Fatalf("the other app's token after the restore: %v", err)
	}
	if _, err := b.Resolve(flooder, tokens[len(tokens)-1].AppAuthToken); err != nil {
		t.Fatalf("the flood's newest token after the restore: %v", err)
	}
	if _, err := b.Exchange(victim, mine.Code); err != nil {
		t.Fatalf("the other app's pending code after the restore: %v", err)
	}
}

// Another app's flood past the token bound keeps a token just refreshed:
// it works for its 10-minute grace, and its refresh token for a retry of a
// refresh whose answer was lost (only the app losing an entry sheds its
// spent tokens first). The clock does not move.
func TestAFloodKeepsAnotherAppsRefreshedTokenAndItsRetry(t *testing.T) {
	b := fairBook()
	_, old := mint(t, b, victim)
	if _, err := b.Refresh(victim, old.RefreshToken); err != nil {
		t.Fatal(err)
	}
	for range appauth.MaxTokens {
		c, err := b.Authorise(flooder, b.NewMerchant())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Exchange(flooder, c.Code); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Resolve(victim, old.AppAuthToken); err != nil {
		t.Errorf("the other app's refreshed token, within its 10-minute grace, after the flood: %v", err)
	}
	if _, err := b.Refresh(victim, old.RefreshToken); err != nil {
		t.Errorf("the other app's retried refresh after the flood: %v", err)
	}
}

// The rule is the largest app's oldest goes, not "never another app's": an
// ISV holding more than the flood (its merchants' tokens, all in use) loses
// its oldest tokens in use once the flood fills the rest, and the flood
// keeps all of its own (docs/limits.md, docs/security.md).
func TestAFloodEvictsALargerAppsOldestTokensInUse(t *testing.T) {
	b := fairBook()
	issue := func(app string) appauth.Token {
		_, tk := mint(t, b, app)
		return tk
	}
	first := issue(victim)
	for range appauth.MaxTokens/2 + 100 {
		issue(victim)
	}
	var flood []appauth.Token
	for range appauth.MaxTokens / 2 {
		flood = append(flood, issue(flooder))
	}
	if _, err := b.Resolve(victim, first.AppAuthToken); err == nil {
		t.Error("the larger app's oldest token is kept past the bound")
	}
	for i, tk := range flood {
		if _, err := b.Resolve(flooder, tk.AppAuthToken); err != nil {
			t.Fatalf("the smaller flood's token %d went: %v", i, err)
		}
	}
}

// mint authorises a new merchant for isv on b and exchanges the code: the
// code (now used) and its token.
func mint(t *testing.T, b *appauth.Book, isv string) (appauth.Code, appauth.Token) {
	t.Helper()
	c, err := b.Authorise(isv, b.NewMerchant())
	if err != nil {
		t.Fatal(err)
	}
	tk, err := b.Exchange(isv, c.Code)
	if err != nil {
		t.Fatal(err)
	}
	return c, tk
}
