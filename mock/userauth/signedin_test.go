package userauth_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// SignedIn names the user of an open id while a pair of the app's sign-in
// for that user is kept: through a refresh, not for another app, and no
// longer once no pair is kept.
func TestSignedInFollowsThePairsKept(t *testing.T) {
	b, _ := newBook()
	open := fixtures.OpenID(app, user)
	if _, ok := b.SignedIn(app, open); ok {
		t.Fatal("signed in before any sign-in")
	}
	tok, err := b.Exchange(app, consent(t, b, userauth.ScopeBase).Code)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := b.SignedIn(app, open); !ok || got != user {
		t.Fatalf("after the exchange: %q %v, want %s", got, ok, user)
	}
	if _, ok := b.SignedIn(other, fixtures.OpenID(other, user)); ok {
		t.Error("another app's open id names the user")
	}
	if _, err := b.Refresh(app, tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if got, ok := b.SignedIn(app, open); !ok || got != user {
		t.Errorf("after a refresh: %q %v, want %s", got, ok, user)
	}
	b.Restore(nil, nil)
	if _, ok := b.SignedIn(app, open); ok {
		t.Error("signed in with no pair kept")
	}
}
