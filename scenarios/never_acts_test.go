package scenarios_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// docs/scenarios.md: "A request a forced answer stood in for (respond
// without execute: true, …) … plants no buyer and leaves no policy", and
// a transfer or voucher needs the method to run. So a rule that forces an
// error answer without execute AND asks for a buyer, notify policy,
// voucher or transfer outcome has a part that can never act. The loader
// refuses every other "would never happen" combination (never beside
// pay_after, fail_after at or after pay_after, close_after beside
// pay_after, a state no rule sets); this one was accepted (201) and the
// part silently never acted; now it is refused at respond.execute.
func TestForcedAnswerWithoutExecuteBesideANeverActingPartIsRefused(t *testing.T) {
	for _, tc := range []struct{ name, method, then string }{
		{"buyer", "alipay.trade.precreate", "buyer: {scan_after: 0s, pay_after: 10s}"},
		{"notify", "alipay.trade.precreate", "notify: {suppress: true}"},
		{"voucher", "alipay.trade.precreate", "voucher: {amount: \"1.00\"}"},
		{"transfer", "alipay.fund.trans.uni.transfer", "transfer: {status: FAIL}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, mock.Options{})
			file := "name: x\nrules:\n  - name: r\n    when: {method: " + tc.method + "}\n    then:\n      respond: {code: \"20000\"}\n      " + tc.then + "\n"
			b := e.control("POST", "/scenarios?name=x&app_id="+keys.DevAppID, file, http.StatusBadRequest)
			if !strings.Contains(string(b), "execute") {
				t.Errorf("the refusal does not point at respond.execute: %s", b)
			}
		})
	}
}
