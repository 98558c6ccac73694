package gateway

import (
	"fmt"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
)

// TestSigCacheEvictsLeastRecentlyUsed: a full cache drops the answer used
// longest ago, not the oldest one signed nor everything; a hit costs no RSA
// operation and gives the same signature as signing afresh.
func TestSigCacheEvictsLeastRecentlyUsed(t *testing.T) {
	k := keys.DevAlipayPrivateKey()
	c := &sigCache{size: 3}
	body := func(i int) []byte { return fmt.Appendf(nil, `{"code":"10000","out_trade_no":"T%d"}`, i) }
	// do signs body i and reports whether that took an RSA operation.
	do := func(i int, ty sign.Type) bool {
		t.Helper()
		before := c.signed.Load()
		got, err := c.sign(k, ty, body(i))
		if err != nil {
			t.Fatal(err)
		}
		want, err := sign.Sign(k, ty, body(i))
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("body %d: cached signature differs from a fresh one", i)
		}
		return c.signed.Load() > before
	}
	steps := []struct {
		body   int
		t      sign.Type
		signed bool
	}{
		{1, sign.RSA2, true}, {2, sign.RSA2, true}, {3, sign.RSA2, true}, // full: 1 2 3
		{1, sign.RSA2, false}, // hit; 2 is now the least recently used
		{1, sign.RSA, true},   // the sign type is part of the key: evicts 2
		{3, sign.RSA2, false}, // still there
		{2, sign.RSA2, true},  // was evicted; signing it evicts 1/RSA2 (used before 1/RSA and 3)
		{1, sign.RSA, false},
		{1, sign.RSA2, true}, // evicts 3
		{2, sign.RSA2, false},
		{3, sign.RSA2, true},
	}
	for i, s := range steps {
		if got := do(s.body, s.t); got != s.signed {
			t.Fatalf("step %d (body %d, %s): signed = %v, want %v", i, s.body, s.t, got, s.signed)
		}
	}
	if n := c.c.Len(); n != 3 {
		t.Fatalf("entries = %d, want the bound 3", n)
	}
}
