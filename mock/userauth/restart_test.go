package userauth_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// On a frozen clock every access token has the same auth_start: a restart
// (--data) refills them in the order they were made (Made, kept with each),
// not the file's key order, so past the bound the next token evicts the
// first one made, as the process before the restart would have.
func TestRestartOnAFrozenClockEvictsTheFirstTokenMade(t *testing.T) {
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
