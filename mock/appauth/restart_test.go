package appauth_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/appauth"
	"github.com/alipay-mock/alipay-mock/mock/clock"
)

// On a frozen clock (the tests' default) every token has the same
// Created: a restart (--data) or a replica (--store) refills them in the
// order they were made (Made, kept with each), not the store's key order,
// so past the bound the next token evicts the first one made, as the
// process before the restart would have, and replicas agree.
func TestRestartOnAFrozenClockEvictsTheFirstTokenMade(t *testing.T) {
	src := fairBook()
	var made []appauth.Token
	for range appauth.MaxTokens {
		_, tk := mint(t, src, flooder)
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

// One process evicts, past the token bound, the first token made; a
// restart (--data) refills in the order made (Made), not by Created, so
// after the clock was set back ({"set":"now"} after an advance, as
// docs/clock-and-notifications.md shows) it evicts the same token.
func TestRestartAfterTheClockWasSetBackEvictsTheFirstTokenMade(t *testing.T) {
	start := time.Date(2026, 6, 5, 10, 0, 0, 0, time.UTC)
	c := clock.NewManual(start)
	a := appauth.NewBook(c, fixtures.New(1))
	var made []appauth.Token
	mint := func() {
		_, tk := mint(t, a, flooder)
		made = append(made, tk)
	}
	c.Advance(time.Hour)
	mint() // the first made, an hour ahead
	c.Set(start)
	for range appauth.MaxTokens - 1 {
		mint()
	}
	stored := slices.Clone(made)
	b := appauth.NewBook(clock.NewManual(start), fixtures.New(2)) // the restart
	b.Restore(nil, stored)
	// One more token in each: past the bound.
	for _, bk := range []*appauth.Book{a, b} {
		code, err := bk.Authorise(flooder, bk.NewMerchant())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bk.Exchange(flooder, code.Code); err != nil {
			t.Fatal(err)
		}
	}
	_, errA := a.Resolve(flooder, made[0].AppAuthToken)
	_, errB := b.Resolve(flooder, made[0].AppAuthToken)
	if (errA == nil) != (errB == nil) {
		t.Errorf("the first token made past the bound: one process %v, after a restart %v; want the same", errA, errB)
	}
	_, errA = a.Resolve(flooder, made[1].AppAuthToken)
	_, errB = b.Resolve(flooder, made[1].AppAuthToken)
	if (errA == nil) != (errB == nil) {
		t.Errorf("the second token made past the bound: one process %v, after a restart %v; want the same", errA, errB)
	}
}

// Codes made after the clock was set back expire before one made ahead of
// them: each goes at its deadline wherever it stands, not only once those
// made before it went.
func TestCodesMadeAfterTheClockWasSetBackGoAtTheirDeadline(t *testing.T) {
	start := time.Date(2026, 6, 5, 10, 0, 0, 0, time.UTC)
	c := clock.NewManual(start)
	b := appauth.NewBook(c, fixtures.New(1))
	c.Advance(time.Hour)
	if _, err := b.Authorise(flooder, b.NewMerchant()); err != nil { // ends an hour after the next
		t.Fatal(err)
	}
	c.Set(start)
	if _, err := b.Authorise(flooder, b.NewMerchant()); err != nil {
		t.Fatal(err)
	}
	c.Advance(appauth.CodeLifetime)
	if _, err := b.Authorise(flooder, b.NewMerchant()); err != nil {
		t.Fatal(err)
	}
	if codes, _ := b.Len(); codes != 2 {
		t.Errorf("the book keeps %d codes once the second made expired; want 2 (the first made and the last)", codes)
	}
}
