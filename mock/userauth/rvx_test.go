package userauth_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// rvx: on a frozen clock every access token has the same auth_start, and a
// restart (--data) refills the book in the order the file lists them (by
// key) with an unstable sort, not the order they were made: past the bound
// the next token then evicts whichever sorts first, not the oldest. The
// docs (sign-in.md) say "a restart with --data refills under the same rule".
func TestRvxRestartOnAFrozenClockKeepsTheOrderTokensWereMade(t *testing.T) {
	src, _ := newBook()
	var made []userauth.Token
	for range userauth.MaxTokens {
		c, err := src.Grant(app, userauth.ScopeBase, user)
		if err != nil {
			t.Fatal(err)
		}
		tk, err := src.Exchange(app, c.Code)
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, tk)
	}
	stored := slices.Clone(made)
	slices.SortFunc(stored, func(a, b userauth.Token) int { return strings.Compare(a.AccessToken, b.AccessToken) })

	b, _ := newBook()
	b.Restore(nil, stored)
	c, err := b.Grant(app, userauth.ScopeBase, user)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Exchange(app, c.Code); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Resolve(app, made[0].AccessToken); err == nil {
		t.Error("past the bound after the restart, the first token made is still kept")
	}
	for i, tk := range made[1:] {
		if _, err := b.Resolve(app, tk.AccessToken); err != nil {
			t.Fatalf("past the bound after the restart, token %d of %d made was evicted instead of the first: %v", i+2, len(made), err)
		}
	}
}
