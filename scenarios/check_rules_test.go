package scenarios_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// refused uploads body to the dev app's scope and wants it refused (400)
// with a problem naming want.
func (e *env) refused(body, want string) {
	e.t.Helper()
	b := e.control("POST", "/scenarios?app_id="+keys.DevAppID, body, http.StatusBadRequest)
	if !strings.Contains(string(b), want) {
		e.t.Errorf("%q: %s, want a problem naming %q", body, b, want)
	}
}

// then.fields changes the answer's other fields: code, msg, sub_code and
// sub_msg, which the answer's head carries and respond sets, would be
// dropped without a word, so they are a problem of the file.
func TestFieldsOfTheAnswersHeadAreAProblem(t *testing.T) {
	e := newEnv(t, mock.Options{})
	for _, k := range []string{"code", "msg", "sub_code", "sub_msg"} {
		e.refused("name: head\nrules:\n  - when: {method: alipay.trade.query}\n    then: {fields: {"+k+": x}}\n", "fields."+k)
	}
	e.control("POST", "/scenarios?app_id="+keys.DevAppID, "rules:\n  - when: {method: alipay.trade.query}\n    then: {fields: {trade_status: TRADE_CLOSED}}\n", http.StatusCreated)
}

// A count that is not a whole number (times: 1.5, nth: 2.5,
// pay_after_queries: 2.5, notify.duplicate: 1.5) is a problem at its
// line: yaml.v3 cut it to its whole part, and the rule loaded acting once
// for "1.5 times".
func TestCountThatIsNotAWholeNumberIsAProblem(t *testing.T) {
	e := newEnv(t, mock.Options{})
	for _, c := range []struct{ rule, want string }{
		{"  - when: {method: alipay.trade.query}\n    times: 1.5\n    then: {respond: {code: \"20000\"}}\n", `times: \"1.5\" is not a whole number`},
		{"  - when: {method: alipay.trade.query, nth: 2.5}\n    then: {respond: {code: \"20000\"}}\n", `when.nth: \"2.5\" is not a whole number`},
		{"  - when: {method: alipay.trade.query, nth: [1, 2.5]}\n    then: {respond: {code: \"20000\"}}\n", `when.nth: \"2.5\" is not a whole number`},
		{"  - when: {method: alipay.trade.precreate}\n    then: {buyer: {pay_after_queries: 2.5}}\n", `then.buyer.pay_after_queries: \"2.5\" is not a whole number`},
		{"  - when: {method: alipay.trade.precreate}\n    then: {notify: {duplicate: 1.5}}\n", `then.notify.duplicate: \"1.5\" is not a whole number`},
	} {
		e.refused("rules:\n"+c.rule, c.want)
	}
}

// then.buyer on a red packet's app or page pay is its sender, who only
// pays or closes: a sender that scans, fails or waits for queries would
// never act, so such a rule is a problem of the file (it loaded and
// counted as acting).
func TestRedPacketSenderStepsThatNeverActAreAProblem(t *testing.T) {
	e := newEnv(t, mock.Options{})
	for _, c := range [][2]string{{"{pay_after_queries: 2}", "buyer.pay_after_queries"}, {"{fail_after: 10s}", "buyer.fail_after"}, {"{scan_after: 0s}", "buyer.scan_after"}} {
		e.refused("rules:\n  - when: {method: alipay.fund.coupon.order.app.pay}\n    then: {buyer: "+c[0]+"}\n", c[1])
	}
	e.control("POST", "/scenarios?app_id="+keys.DevAppID, "rules:\n  - when: {method: alipay.fund.coupon.order.page.pay}\n    then: {buyer: {pay_after: 5s}}\n", http.StatusCreated)
}

// A count that is not whole is a problem of the file wherever its value is
// written: reached through a YAML alias (*n), or a merge (<<: *base), the
// same 1.5 loaded cut to 1, without a word.
func TestCountNotWholeThroughAnAliasIsAProblem(t *testing.T) {
	for name, src := range map[string]string{
		"alias":     "name: a\ndescription: &n 1.5\nrules:\n  - name: r\n    when: {method: alipay.trade.query}\n    times: *n\n    then: {respond: {code: \"20000\"}}\n",
		"alias nth": "name: a\ndescription: &n 2.5\nrules:\n  - name: r\n    when: {method: alipay.trade.query, nth: [1, *n]}\n    then: {respond: {code: \"20000\"}}\n",
		"merge": "name: a\nrules:\n  - name: r\n    when: {method: alipay.trade.query, biz: {out_trade_no: &m {equals: X, times: 1.5}}}\n    then: {respond: {code: \"20000\"}}\n" +
			"  - <<: *m\n    name: s\n    when: {method: alipay.trade.query}\n    then: {respond: {code: \"20000\"}}\n",
		"in place": "name: a\nrules:\n  - name: r\n    when: {method: alipay.trade.query}\n    times: 1.5\n    then: {respond: {code: \"20000\"}}\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := scenarios.Parse("a.yaml", []byte(src), gateway.Catalogue())
			if err == nil || !strings.Contains(err.Error(), "not a whole number") {
				t.Fatalf("a count that is not whole (%s): %v, want a problem naming it not a whole number", name, err)
			}
		})
	}
}
