package userauth_test

import (
	"slices"
	"strings"
	"testing"
	"time"

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

// The clock set back after the first token was made (an advance, then
// {"set":"now"}): a restart (--data) refills in the order made, not by
// auth_start, so past the bound it evicts the token the process it
// replaces would have, the first made.
func TestRestartAfterTheClockWasSetBackEvictsTheFirstTokenMade(t *testing.T) {
	src, c := newBook()
	start := c.Now()
	var made []userauth.Token
	mint := func(b *userauth.Book) userauth.Token {
		code, err := b.Grant(app, userauth.ScopeBase, user)
		if err != nil {
			t.Fatal(err)
		}
		tk, err := b.Exchange(app, code.Code)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	c.Advance(time.Hour)
	made = append(made, mint(src)) // the first made, an hour ahead
	c.Set(start)
	for range userauth.MaxTokens - 1 {
		made = append(made, mint(src))
	}
	b, _ := newBook()
	b.Restore(nil, slices.Clone(made))
	mint(src)
	mint(b)
	for i, tk := range made[:2] {
		_, errA := src.Resolve(app, tk.AccessToken)
		_, errB := b.Resolve(app, tk.AccessToken)
		if (errA == nil) != (errB == nil) {
			t.Errorf("token %d made, past the bound: one process %v, after a restart %v; want the same", i+1, errA, errB)
		}
	}
	if _, err := b.Resolve(app, made[0].AccessToken); err == nil {
		t.Error("past the bound after the restart, the first token made is still kept")
	}
}
