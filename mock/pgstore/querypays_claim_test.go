package pgstore_test

import (
	"context"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// A payment that outlived its claim, ending late (not kept), must leave
// the live claim of the query that paid after the lease ran out: else a
// third query pays while that claim holds (docs/replicas.md: no other
// query pays until the payment is kept or the claim's lease runs out).
func TestLateCountBackOfALapsedClaimLeavesTheLiveClaim(t *testing.T) {
	url := pgURL(t)
	a, b := openDB(t, url), openDB(t, url)
	const app, out = "2021000000000009", "LAPSE-1"
	if err := a.PutQueryPay(app, out, "T-LAPSE-1", 0, nil); err != nil {
		t.Fatal(err)
	}
	if pay, _, _, err := a.TakeQuery(app, out); err != nil || !pay {
		t.Fatalf("first claim: %v %v", pay, err)
	}
	conn := pgtest.Conn(t, url)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `UPDATE alipay_mock_kv SET claimed = claimed - interval '1 day' WHERE kind = 'querypays'`); err != nil {
		t.Fatal(err)
	}
	if pay, _, _, err := b.TakeQuery(app, out); err != nil || !pay {
		t.Fatalf("claim after the lease ran out: %v %v", pay, err)
	}
	// The first, slow payment ends not kept (it timed out): its count back.
	if err := a.EndQueryPay(app, out, false); err != nil {
		t.Fatal(err)
	}
	if pay, _, _, err := a.TakeQuery(app, out); err != nil || pay {
		t.Fatalf("a third query while the second claim is live: pay %v %v, want no payment", pay, err)
	}
}
