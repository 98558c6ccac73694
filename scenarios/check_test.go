package scenarios_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

func TestShippedFilesLoad(t *testing.T) {
	files, err := scenarios.LoadPath(".", gateway.Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 13 {
		t.Errorf("want every example and the magic amounts, got %d files", len(files))
	}
	if _, err := scenarios.MagicAmounts(gateway.Catalogue()); err != nil {
		t.Fatal(err)
	}
}

// Every problem is reported with its file and line, and never panics.
func TestCheckFindsProblems(t *testing.T) {
	cases := []struct {
		name, yaml string
		line       int
		want       string
	}{
		{"unknown field", "rules:\n  - when: {method: alipay.trade.query}\n    then: {delay: 1s}\n    colour: red\n", 4, "field colour not found"},
		{"unknown method", "rules:\n  - when: {method: alipay.trade.nothing}\n    then: {delay: 1s}\n", 2, `method "alipay.trade.nothing" does not exist`},
		{"bad regex", "rules:\n  - when: {method: alipay.trade.query, biz: {out_trade_no: {regex: \"(\"}}}\n    then: {delay: 1s}\n", 2, "regex"},
		{"empty range", "rules:\n  - when: {method: alipay.trade.pay, biz: {total_amount: {range: [\"9.00\", \"1.00\"]}}}\n    then: {delay: 1s}\n", 2, "can never match"},
		{"state never set", "rules:\n  - when: {method: alipay.trade.query, state: paid}\n    then: {delay: 1s}\n", 2, `state "paid" is never set`},
		{"bad fault", "rules:\n  - when: {method: alipay.trade.query}\n    then: {fault: explode}\n", 2, `fault "explode"`},
		{"bad code", "rules:\n  - when: {method: alipay.trade.query}\n    then: {respond: {code: \"12345\"}}\n", 2, "not an Alipay code"},
		{"buyer on query", "rules:\n  - when: {method: alipay.trade.query}\n    then: {buyer: {pay_after: 1s}}\n", 2, "then.buyer needs a method that opens"},
		{"does nothing", "rules:\n  - when: {method: alipay.trade.query}\n    then: {}\n", 2, "then does nothing"},
		{"app id differs", "app_id: \"9021000100000001\"\nrules:\n  - when: {method: alipay.trade.query, app_id: \"9021000100000002\"}\n    then: {delay: 1s}\n", 3, "can never match"},
		{"not yaml", "rules: [\n", 0, ""},
		{"two conditions", "rules:\n  - when: {method: alipay.trade.query, biz: {out_trade_no: {prefix: a, regex: b}}}\n    then: {delay: 1s}\n", 2, "exactly one"},
		{"bad duration", "rules:\n  - when: {method: alipay.trade.query}\n    then: {delay: soon}\n", 0, "delay"},
		{"too many duplicates", "rules:\n  - when: {method: alipay.trade.pay}\n    then: {notify: {duplicate: 11}}\n", 2, "notify.duplicate must be from 0 to 10"},
		{"field no method reads", "rules:\n  - when: {method: alipay.trade.query, biz: {total_amount: \"1.00\"}}\n    then: {delay: 1s}\n", 2, "no method of the rule reads total_amount"},
		{"field of another method", "rules:\n  - when: {method: alipay.trade.orderinfo.sync, biz: {subject: x}}\n    then: {delay: 1s}\n", 2, "fields: biz_type, order_biz_info, orig_request_no, out_request_no, trade_no"},
		{"negative duplicates", "rules:\n  - when: {method: alipay.trade.pay}\n    then: {notify: {duplicate: -1}}\n", 2, "notify.duplicate must be from 0 to 10"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scenarios.Parse("x.yaml", []byte(tc.yaml), gateway.Catalogue())
			var ps scenarios.Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("want problems, got %v", err)
			}
			if tc.line > 0 && ps[0].Line != tc.line {
				t.Errorf("line %d, want %d: %v", ps[0].Line, tc.line, ps)
			}
			if !strings.Contains(ps.Error(), tc.want) || !strings.HasPrefix(ps.Error(), "x.yaml") {
				t.Errorf("got %q, want it to name x.yaml and say %q", ps.Error(), tc.want)
			}
		})
	}
}

func TestLoadPathReportsEveryBrokenFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("rules:\n  - when: {method: nope}\n    then: {delay: 1s}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.yml"), []byte("rules: {"), 0o644)
	os.WriteFile(filepath.Join(dir, "c.yaml"), []byte("rules:\n  - when: {method: alipay.trade.query}\n    then: {delay: 1s}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o644)
	files, err := scenarios.LoadPath(dir, gateway.Catalogue())
	var ps scenarios.Problems
	if !errors.As(err, &ps) || len(ps) != 2 || len(files) != 1 {
		t.Fatalf("want 2 problems and the good file: %v, %d files", err, len(files))
	}
	if !strings.Contains(ps.Error(), "a.yaml:2") || !strings.Contains(ps.Error(), "b.yml") {
		t.Errorf("problems: %v", ps)
	}
}

// Rules may match any field a method of theirs reads, a field of one of
// several methods included.
func TestCheckAcceptsMethodFields(t *testing.T) {
	for _, y := range []string{
		"rules:\n  - when: {method: alipay.trade.orderinfo.sync, biz: {biz_type: CREDIT_DEDUCT, trade_no: {prefix: \"2026\"}}}\n    then: {respond: {code: \"20000\"}}\n",
		"rules:\n  - when: {method: [alipay.trade.query, alipay.trade.pay], biz: {total_amount: {range: [\"1.00\", \"9.00\"]}}}\n    then: {delay: 1s}\n",
		"rules:\n  - when: {method: alipay.trade.refund, biz: {out_trade_no: A, refund_amount: \"1.00\"}}\n    then: {delay: 1s}\n",
	} {
		if _, err := scenarios.Parse("ok.yaml", []byte(y), gateway.Catalogue()); err != nil {
			t.Errorf("%s: %v", y, err)
		}
	}
}
