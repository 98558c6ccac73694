package scenarios_test

import (
	"errors"
	"fmt"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// nested is a scenario with one good rule and an unknown key whose value
// nests depth flow mappings, each under a key of keyLen bytes.
func nested(depth, keyLen int) []byte {
	key := strings.Repeat("k", keyLen)
	var b strings.Builder
	b.WriteString("rules:\n- when: {method: alipay.trade.pay}\n  then: {delay: 1s}\nx: ")
	b.WriteString(strings.Repeat("{"+key+": ", depth))
	b.WriteString("1")
	b.WriteString(strings.Repeat("}", depth))
	b.WriteString("\n")
	return []byte(b.String())
}

// A file nested deeper than the format can use is refused before
// anything walks it, with its line, and what Parse allocates grows with
// the file's size, not its size times its depth (before, 104 KB nested
// 1,000 deep allocated 53 MB).
func TestDeepFileRefused(t *testing.T) {
	methods := gateway.Catalogue()
	deep := fmt.Sprintf("the file nests deeper than %d levels: a scenario needs at most 8 (see docs/scenarios.md)", scenarios.MaxDepth)
	// x's value is level 2: depth mappings put the innermost key at
	// level depth+2.
	for _, tc := range []struct {
		depth, keyLen int
		refused       bool
	}{{scenarios.MaxDepth - 2, 1, false}, {scenarios.MaxDepth - 1, 1, true}, {1_000, 1, true}, {1_000, 100, true}, {9_000, 1, true}} {
		t.Run(fmt.Sprintf("depth %d key %d", tc.depth, tc.keyLen), func(t *testing.T) {
			data := nested(tc.depth, tc.keyLen)
			var err error
			n := mocktest.AllocatedBy(func() { _, err = scenarios.Parse("deep.yaml", data, methods) })
			var ps scenarios.Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("want problems, got %v", err)
			}
			if tc.refused {
				if len(ps) != 1 || ps[0].Msg != deep || ps[0].Line != 4 {
					t.Errorf("got %d problems, first at line %d: %q", len(ps), ps[0].Line, ps[0].Msg)
				}
			} else if ps[0].Msg == deep || !strings.Contains(ps[0].Msg, `unknown field "x"`) {
				t.Errorf("within the limit, want only the unknown key, got %q", ps[0].Msg)
			}
			// yaml.v3's own tree is about 120 bytes a byte of this YAML.
			if n > 256*uint64(len(data))+1<<20 {
				t.Errorf("%d bytes of YAML allocated %d bytes (%dx)", len(data), n, n/uint64(len(data)))
			}
			t.Logf("%d bytes of YAML: %d bytes allocated (%dx)", len(data), n, n/uint64(len(data)))
		})
	}
}

// A key too long for any path check looks up, with many keys under it,
// is not copied into each of their paths.
func TestLongKeyNotCopiedPerChild(t *testing.T) {
	var b strings.Builder
	b.WriteString("rules:\n- when: {method: alipay.trade.pay}\n  then: {delay: 1s}\n")
	b.WriteString("? " + strings.Repeat("k", 200_000) + "\n:\n") // an explicit key: a plain one stops at 1,024
	for i := range 20_000 {
		fmt.Fprintf(&b, "  a%d: 1\n", i)
	}
	data := []byte(b.String())
	methods := gateway.Catalogue()
	var err error
	n := mocktest.AllocatedBy(func() { _, err = scenarios.Parse("wide.yaml", data, methods) })
	if err == nil || !strings.Contains(err.Error(), "unknown field") {
		t.Fatalf("want the unknown key, got %v", err)
	}
	if per := n / uint64(len(data)); per > 256 {
		t.Errorf("%d bytes of YAML allocated %d bytes (%dx)", len(data), n, per)
	}
	t.Logf("%d bytes of YAML: %d bytes allocated (%dx)", len(data), n, n/uint64(len(data)))
}

// aliasBomb is a rule whose biz has c0, a condition on a range list of n
// items, and k aliases of it.
func aliasBomb(n, k int) []byte {
	var b strings.Builder
	b.WriteString("rules:\n- when:\n    method: alipay.trade.pay\n    biz:\n      c0: &C {range: [")
	b.WriteString(strings.Repeat("0,", n))
	b.WriteString("0]}\n")
	for i := 1; i <= k; i++ {
		fmt.Fprintf(&b, "      c%d: *C\n", i)
	}
	b.WriteString("  then: {delay: 1s}\n")
	return []byte(b.String())
}

// Aliases that stand for a great many nodes (each decoded again, once per
// condition) are refused before anything decodes them: 160 aliases of a
// 50,000-item list in 100 KB allocated 269 MB. A file that repeats a block
// a few times through an anchor still loads.
func TestAliasBombRefused(t *testing.T) {
	data := aliasBomb(50_000, 160)
	var err error
	a := mocktest.AllocatedBy(func() { _, err = scenarios.Parse("bomb.yaml", data, gateway.Catalogue()) })
	var ps scenarios.Problems
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Line != 6 ||
		ps[0].Msg != fmt.Sprintf("the file's aliases (*name) stand for more than %d nodes: a scenario needs far fewer (see docs/scenarios.md)", scenarios.MaxAliasNodes) {
		t.Fatalf("got %v", err)
	}
	if a > 256*uint64(len(data))+1<<20 {
		t.Fatalf("%d bytes of YAML allocated %d bytes", len(data), a)
	}
	t.Logf("%d bytes of YAML, %d allocated", len(data), a)

	ok := []byte(`rules:
- when: {method: alipay.trade.pay, biz: {total_amount: &big {range: ["100.00", "200.00"]}}}
  then: &fail {respond: {code: "40004", sub_code: ACQ.PAYMENT_FAIL}}
- when: {method: alipay.trade.precreate, biz: {total_amount: *big}}
  then: *fail
`)
	f, err := scenarios.Parse("ok.yaml", ok, gateway.Catalogue())
	if err != nil || len(f.Rules) != 2 {
		t.Fatalf("a file that repeats two blocks by anchor: %v", err)
	}
	// An anchor that contains itself is a problem, not a crash.
	if _, err := scenarios.Parse("self.yaml", []byte("rules: &a [*a]\n"), gateway.Catalogue()); !errors.As(err, &ps) {
		t.Fatalf("an anchor that contains itself: %v", err)
	}
}
