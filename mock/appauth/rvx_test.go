package appauth_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/appauth"
)

// rvx: docs/limits.md says one app's flood "evicts its own entries, never
// another app's". An ISV that legitimately holds more than half the bound
// (its merchants' tokens, all in use and never expiring) loses its oldest
// merchant's token to another app's flood as soon as the flood fills the
// rest: the largest group is the victim's, not the flood's.
func TestRvxFloodEvictsALargerAppsTokenInUse(t *testing.T) {
	b := fairBook()
	issue := func(app string) appauth.Token {
		c, err := b.Authorise(app, b.NewMerchant())
		if err != nil {
			t.Fatal(err)
		}
		tk, err := b.Exchange(app, c.Code)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	first := issue(victim)
	for range appauth.MaxTokens/2 + 100 {
		issue(victim)
	}
	for range appauth.MaxTokens / 2 {
		issue(flooder)
	}
	if _, err := b.Resolve(victim, first.AppAuthToken); err != nil {
		t.Errorf("the other app's oldest merchant token, in use, after the flood: %v", err)
	}
}
