package amount_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
)

// FuzzAmountParse: Parse never panics; what it accepts prints back to the
// same amount (negative only when s starts with '-'), and the quoted form
// unmarshals to the same amount; ErrRange comes with an amount past every
// limit.
//
//	go test ./alipay/amount -run '^$' -fuzz '^FuzzAmountParse$' -fuzztime 10s
func FuzzAmountParse(f *testing.F) {
	for _, s := range []string{"0", "0.01", "88.88", "9.9", "100000000.00", "999999999999.99", "1.", ".5", "-1", "+1",
		"1e3", "０.01", "1.001", "00012.30", " 1", "9223372036854775807", "１"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := amount.Parse(s)
		if errors.Is(err, amount.ErrRange) && (a > -amount.Max*100 && a < amount.Max*100) {
			t.Fatalf("Parse(%q) = %d, ErrRange within the limits", s, a)
		}
		if err != nil {
			return
		}
		if a < 0 && !strings.HasPrefix(s, "-") {
			t.Fatalf("Parse(%q) = %d, negative", s, a)
		}
		b, err := amount.Parse(a.String())
		if err != nil || b != a {
			t.Fatalf("Parse(%q) = %d, String %q parses to %d, %v", s, a, a.String(), b, err)
		}
		var j amount.Amount
		if err := j.UnmarshalJSON([]byte(strconv.Quote(s))); err != nil || j != a {
			t.Fatalf("UnmarshalJSON(%q) = %d, %v; Parse = %d", strconv.Quote(s), j, err, a)
		}
		m, _ := a.MarshalJSON()
		var k amount.Amount
		if err := k.UnmarshalJSON(m); err != nil || k != a {
			t.Fatalf("MarshalJSON round trip of %d: %s -> %d, %v", a, m, k, err)
		}
	})
}
