package scenarios_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
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
		{"unknown field", "rules:\n  - when: {method: alipay.trade.query}\n    then: {delay: 1s}\n    colour: red\n", 4, `unknown field "colour" in a rule (known: name, when, then, times)`},
		{"unknown method", "rules:\n  - when: {method: alipay.trade.nothing}\n    then: {delay: 1s}\n", 2, `method "alipay.trade.nothing" does not exist`},
		{"bad regex", "rules:\n  - when: {method: alipay.trade.query, biz: {out_trade_no: {regex: \"(\"}}}\n    then: {delay: 1s}\n", 2, "regex"},
		{"empty range", "rules:\n  - when: {method: alipay.trade.pay, biz: {total_amount: {range: [\"9.00\", \"1.00\"]}}}\n    then: {delay: 1s}\n", 2, "can never match"},
		{"negative range min", "rules:\n  - when: {method: alipay.trade.pay, biz: {total_amount: {range: [\"-1.00\", \"1.00\"]}}}\n    then: {delay: 1s}\n", 2, `range min "-1.00": not an amount`},
		{"negative range max", "rules:\n  - when: {method: alipay.trade.pay, biz: {total_amount: {range: [\"-9.00\", \"-1\"]}}}\n    then: {delay: 1s}\n", 2, "not an amount"},
		{"negative voucher amount", "rules:\n  - when: {method: alipay.trade.pay}\n    then: {voucher: {amount: \"-1.00\"}}\n", 3, `voucher.amount "-1.00"`},
		{"state never set", "rules:\n  - when: {method: alipay.trade.query, state: paid}\n    then: {delay: 1s}\n", 2, `state "paid" is never set`},
		{"bad fault", "rules:\n  - when: {method: alipay.trade.query}\n    then: {fault: explode}\n", 3, `fault "explode"`},
		{"bad code", "rules:\n  - when: {method: alipay.trade.query}\n    then: {respond: {code: \"12345\"}}\n", 3, "not an Alipay code"},
		{"buyer on query", "rules:\n  - when: {method: alipay.trade.query}\n    then: {buyer: {pay_after: 1s}}\n", 3, "then.buyer needs a method that opens"},
		{"does nothing", "rules:\n  - when: {method: alipay.trade.query}\n    then: {}\n", 3, "then does nothing"},
		{"voucher on query", "rules:\n  - when: {method: alipay.trade.query}\n    then: {voucher: {amount: \"1.00\"}}\n", 3, "then.voucher needs a method that opens a trade"},
		{"voucher on red packet", "rules:\n  - when: {method: alipay.fund.coupon.order.app.pay}\n    then: {voucher: {amount: \"1.00\"}}\n", 3, "then.voucher needs a method that opens a trade"},
		{"voucher amount", "rules:\n  - when: {method: alipay.trade.pay}\n    then: {voucher: {amount: \"0\"}}\n", 3, `voucher.amount "0"`},
		{"voucher funder", "rules:\n  - when: {method: alipay.trade.pay}\n    then: {voucher: {amount: \"1.00\", funder: bank}}\n", 3, `voucher.funder "bank"`},
		{"transfer on query", "rules:\n  - when: {method: alipay.trade.query}\n    then: {transfer: {status: FAIL}}\n", 3, "then.transfer needs method alipay.fund.trans.uni.transfer"},
		{"transfer status", "rules:\n  - when: {method: alipay.fund.trans.uni.transfer}\n    then: {transfer: {status: DONE}}\n", 3, `transfer.status "DONE"`},
		// Every duration that plans a job on the mock's clock: 0 to 720h.
		{"negative notify delay", "rules:\n  - when: {method: alipay.trade.precreate}\n    then: {notify: {delay: -8760h}}\n", 3, "notify.delay is a time on the mock's clock from 0 to 720h, not -8760h0m0s"},
		{"notify delay past the bound", "rules:\n  - when: {method: alipay.trade.precreate}\n    then:\n      notify:\n        suppress: false\n        delay: 721h\n", 6, "notify.delay is a time on the mock's clock from 0 to 720h"},
		{"buyer pay_after past the bound", "rules:\n  - when: {method: alipay.trade.precreate}\n    then:\n      buyer:\n        pay_after: 2000000h\n", 5, "buyer.pay_after is a time on the mock's clock from 0 to 720h"},
		{"buyer scan_after negative", "rules:\n  - when: {method: alipay.trade.precreate}\n    then:\n      buyer:\n        scan_after: -1s\n", 5, "buyer.scan_after is a time"},
		{"buyer fail_after past the bound", "rules:\n  - when: {method: alipay.trade.precreate}\n    then:\n      buyer:\n        fail_after: 800h\n", 5, "buyer.fail_after is a time"},
		{"buyer close_after negative", "rules:\n  - when: {method: alipay.trade.precreate}\n    then:\n      buyer:\n        close_after: -5m\n", 5, "buyer.close_after is a time"},
		{"transfer after past the bound", "rules:\n  - when: {method: alipay.fund.trans.uni.transfer}\n    then: {transfer: {status: DEALING, after: 721h}}\n", 3, "transfer.after is how long DEALING lasts (above 0, at most 720h)"},
		{"transfer after on FAIL", "rules:\n  - when: {method: alipay.fund.trans.uni.transfer}\n    then: {transfer: {status: FAIL, after: 1m}}\n", 3, "transfer.after is how long DEALING lasts"},
		{"voucher field", "rules:\n  - when: {method: alipay.trade.pay}\n    then: {voucher: {value: \"1.00\"}}\n", 3, "then.voucher"},
		{"app id differs", "app_id: \"9021000100000001\"\nrules:\n  - when: {method: alipay.trade.query, app_id: \"9021000100000002\"}\n    then: {delay: 1s}\n", 3, "can never match"},
		{"not yaml", "rules: [\n", 1, "did not find expected node content"},
		{"two conditions", "rules:\n  - when: {method: alipay.trade.query, biz: {out_trade_no: {prefix: a, regex: b}}}\n    then: {delay: 1s}\n", 2, "exactly one"},
		{"bad duration", "rules:\n  - when: {method: alipay.trade.query}\n    then: {delay: soon}\n", 3, `delay "soon" is not a duration`},
		{"too many duplicates", "rules:\n  - when: {method: alipay.trade.pay}\n    then: {notify: {duplicate: 11}}\n", 3, "notify.duplicate must be from 0 to 10"},
		{"field no method reads", "rules:\n  - when: {method: alipay.trade.query, biz: {total_amount: \"1.00\"}}\n    then: {delay: 1s}\n", 2, "no method of the rule reads total_amount"},
		{"field of another method", "rules:\n  - when: {method: alipay.trade.orderinfo.sync, biz: {subject: x}}\n    then: {delay: 1s}\n", 2, "fields: biz_type, order_biz_info, orig_request_no, out_request_no, trade_no"},
		{"negative duplicates", "rules:\n  - when: {method: alipay.trade.pay}\n    then: {notify: {duplicate: -1}}\n", 3, "notify.duplicate must be from 0 to 10"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scenarios.Parse("x.yaml", []byte(tc.yaml), gateway.Catalogue())
			var ps scenarios.Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("want problems, got %v", err)
			}
			if ps[0].Line != tc.line {
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

// A file with several problems gets every one, each at the line that is
// wrong and with its whole message, in line order.
func TestEveryProblemWithItsLine(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string // "line: part of the message"
	}{
		{"unknown matcher key", `name: x
rules:
  - when:
      method: alipay.trade.query
      biz: {out_trade_no: {prefx: "X-"}}
    then: {delay: 1s}
`, []string{`5: unknown field "prefx" in a condition (known: equals, prefix, regex, range, absent)`}},
		{"duration that is not one", `rules:
  - when: {method: alipay.trade.precreate}
    then:
      buyer:
        pay_after: banana
`, []string{`5: "banana" is not a duration such as 5s or 4m`}},
		{"unclosed brace", `name: x
rules:
  - when: {method: alipay.trade.query}
    then: {delay: 1s
  - when: {method: alipay.trade.pay}
    then: {delay: 1s}
`, []string{"4: did not find expected ',' or '}': the { on this line is not closed"}},
		{"unclosed brace on the first line", "{name: x\n", []string{"1: did not find expected ',' or '}'"}},
		{"unclosed quote", "name: \"x\nrules: []\n", []string{"1: found unexpected end of stream"}},
		{"line out of its list", `name: x
rules:
  - name: a
    when: {method: alipay.trade.query}
   then: {delay: 1s}
`, []string{"5: did not find expected '-' indicator: this line does not line up"}},
		{"key out of its mapping", `name: x
rules:
  - name: a
    when:
      method: alipay.trade.query
    - then: {delay: 1s}
`, []string{"6: did not find expected key: this line is indented differently"}},
		{"tab", "name: x\nrules:\n\t- when: {}\n", []string{"3: found character that cannot start any token"}},
		{"several", `name: several
app_id: "123"
colour: red
rules:
  - name: one
    when:
      method: [alipay.trade.query, alipay.trade.querry]
      biz:
        total_amount: "1.00"
        out_trade_no: {regex: "("}
      nth: 0
    then:
      fault: explode
  - name: two
    when: {method: alipay.trade.pay, state: paid}
    then:
      respond: {code: "12345"}
      notify: {duplicate: 11, suppres: true}
  - name: three
    when: {method: alipay.trade.precreate}
    then:
      delay: {min: 1s, max: soon}
  -
  - name: five
    when: {method: alipay.trade.pay, nth: x}
    then: {delay: 1s}
`, []string{
			`3: unknown field "colour" in the file (known: name, description, app_id, rules)`,
			`2: app_id "123" must be 16 digits`,
			`7: one: method "alipay.trade.querry" does not exist`,
			`9: one: biz.total_amount: no method of the rule reads total_amount`,
			`10: one: biz.out_trade_no: regex: error parsing regexp`,
			`11: one: nth counts from 1`,
			`13: one: fault "explode" is not one of`,
			`15: two: state "paid" is never set by any rule`,
			`17: two: respond.code "12345" is not an Alipay code`,
			`18: unknown field "suppres" in then.notify (known: suppress, delay, duplicate, reorder, bad_signature, url)`,
			`22: "soon" is not a duration such as 5s or 4m`,
			`23: rule 4 is empty`,
			`25: "x" is not a whole number`,
		}},
		{"not a mapping", "- a\n- b\n", []string{"1: a list where the file (a mapping) belongs"}},
		{"rules not a list", "rules: {a: b}\n", []string{"1: a mapping where a list of rules belongs"}},
		{"empty", "# nothing\n", []string{"1: the file is empty"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scenarios.Parse("x.yaml", []byte(tc.yaml), gateway.Catalogue())
			var ps scenarios.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("want problems, got %v", err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, fmt.Sprintf("%d: %s", p.Line, p.Msg))
			}
			// Problems come in line order; compare as sets of lines with
			// their messages.
			for _, w := range tc.want {
				found := false
				for _, g := range got {
					if strings.HasPrefix(g, strings.SplitN(w, ": ", 2)[0]+": ") && strings.Contains(g, strings.SplitN(w, ": ", 2)[1]) {
						found = true
					}
				}
				if !found {
					t.Errorf("missing %q in\n%s", w, strings.Join(got, "\n"))
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("%d problems, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			if !sort.SliceIsSorted(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line }) {
				t.Errorf("not in line order:\n%s", strings.Join(got, "\n"))
			}
		})
	}
}

// Past MaxProblems a file's list ends with a count of the rest.
func TestProblemsAreBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("rules:\n")
	n := scenarios.MaxProblems + 50
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - {when: {method: alipay.trade.query}, then: {fault: explode%d}}\n", i)
	}
	_, err := scenarios.Parse("many.yaml", []byte(b.String()), gateway.Catalogue())
	var ps scenarios.Problems
	if !errors.As(err, &ps) || len(ps) != scenarios.MaxProblems+1 {
		t.Fatalf("want %d problems and a count, got %d", scenarios.MaxProblems, len(ps))
	}
	if ps[0].Line != 2 || ps[scenarios.MaxProblems-1].Line != scenarios.MaxProblems+1 {
		t.Errorf("lines %d … %d", ps[0].Line, ps[scenarios.MaxProblems-1].Line)
	}
	if last := ps[len(ps)-1]; last.Msg != "… and 50 more problem(s): fix these first" {
		t.Errorf("last: %+v", last)
	}
}
