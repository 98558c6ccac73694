package appauth_test

import (
	"slices"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/appauth"
	"github.com/alipay-mock/alipay-mock/mock/clock"
)

// One process evicts, past the token bound, the first token made; a
// restart (--data) refills by Created first, so after the clock was set
// back ({"set":"now"} after an advance, as docs/clock-and-notifications.md
// shows) it evicts another: a restart behaves unlike the process it
// replaces. Made, strictly increasing in a process, would keep its order.
func TestRvyRestartAfterTheClockWasSetBackEvictsTheFirstTokenMade(t *testing.T) {
	start := time.Date(2026, 6, 5, 10, 0, 0, 0, time.UTC)
	c := clock.NewManual(start)
	a := appauth.NewBook(c, fixtures.New(1))
	var made []appauth.Token
	mint := func() {
		code, err := a.Authorise(flooder, a.NewMerchant())
		if err != nil {
			t.Fatal(err)
		}
		tk, err := a.Exchange(flooder, code.Code)
		if err != nil {
			t.Fatal(err)
		}
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
