package scenarios_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// A buyer with only a name (buyer_id / buyer_logon_id: who pays, with no
// step and no queries to pay after) plans nothing (playBuyer,
// mock/gateway/scenario.go), as buyer: {}; acting, it would shadow every
// later rule and the magic amounts for the requests it matches
// (docs/scenarios.md: first rule that matches acts). It is refused as
// "then does nothing".
func TestBuyerWithOnlyANameIsThenDoesNothing(t *testing.T) {
	for _, then := range []string{
		`{buyer: {buyer_id: "2088000000000042"}}`,
		`{buyer: {buyer_logon_id: buyer42@sandbox.com}}`,
	} {
		t.Run(then, func(t *testing.T) {
			e := newEnv(t, mock.Options{})
			file := "name: z\nrules:\n  - name: r\n    when: {method: alipay.trade.precreate}\n    then: " + then + "\n"
			b := e.control("POST", "/scenarios?name=z&app_id="+keys.DevAppID, file, http.StatusBadRequest)
			if !strings.Contains(string(b), "does nothing") {
				t.Errorf("the refusal does not say the rule does nothing: %s", b)
			}
		})
	}
}
