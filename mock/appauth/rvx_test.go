package appauth_test

import (
	"slices"
	"strings"
	"time"

	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/appauth"
)

// rvx: on a frozen clock (the documented default for tests) every token has
// the same Created, and a restart (--data) or a replica (--store) refills
// the book in the order the store lists them, by key (the file's and the
// database's order), not the order they were made: past the bound the next
// token then evicts whichever key sorts first, not the oldest, where the
// process before the restart would have evicted the first one made. docs/limits.md
// says a restart and each replica refill "under the same rule (the largest
// app's oldest past the bound), so replicas evict alike".
func TestRvxRestartOnAFrozenClockKeepsTheOrderTheTokensWereMade(t *testing.T) {
	src := fairBook()
	var made []appauth.Token
	for range appauth.MaxTokens {
		c, err := src.Authorise(flooder, src.NewMerchant())
		if err != nil {
			t.Fatal(err)
		}
		tk, err := src.Exchange(flooder, c.Code)
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, tk)
	}
	stored := slices.Clone(made)
	slices.SortFunc(stored, func(a, b appauth.Token) int { return strings.Compare(a.AppAuthToken, b.AppAuthToken) })

	b := appauth.NewBook(clock.NewManual(time.Date(2026, 6, 5, 10, 0, 0, 0, time.UTC)), fixtures.New(2))
	b.Restore(nil, stored)
	c, err := b.Authorise(flooder, b.NewMerchant())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Exchange(flooder, c.Code); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Resolve(flooder, made[0].AppAuthToken); err == nil {
		t.Error("past the bound after the restart, the first token made is still kept")
	}
	for i, tk := range made[1:] {
		if _, err := b.Resolve(flooder, tk.AppAuthToken); err != nil {
			t.Fatalf("past the bound after the restart, token %d of %d made was evicted instead of the first: %v", i+2, len(made), err)
		}
	}
}

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
