package appauth

import (
	"testing"
)

// A merchant is known while a code or token names it; once the last goes
// (here its code, past MaxCodes; then its token's) the book says so once.
func TestForgetTellsWhenNothingNamesTheMerchant(t *testing.T) {
	b, _, m := setup()
	var forgot []string
	b.OnForget(func(app string) { forgot = append(forgot, app) })
	code, err := b.Authorise(isv, m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Exchange(isv, code.Code); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < MaxCodes; i++ { // the merchant's code goes; its token stays
		if _, err := b.Authorise(isv, b.NewMerchant()); err != nil {
			t.Fatal(err)
		}
	}
	if !b.Knows(m.AuthAppID) || len(forgot) != 0 {
		t.Fatalf("its token kept: knows %v, forgot %v", b.Knows(m.AuthAppID), forgot)
	}
	b.Restore(nil, nil) // a store that holds nothing of it
	if b.Knows(m.AuthAppID) {
		t.Error("knows a merchant nothing names")
	}
	n := 0
	for _, app := range forgot {
		if app == m.AuthAppID {
			n++
		}
	}
	if n != 1 {
		t.Errorf("told of the merchant %d times, want once (%d told)", n, len(forgot))
	}
}
