package scenarios_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// A rule whose then does nothing is a problem of the file ("then does
// nothing": check_test.go, docs/scenarios.md "a rule whose only action is
// misspelt does not also "do nothing""). The check looked only at whether
// an action key was present, so an action that is there but empty (a
// buyer with no step, no queries and no name; a notify policy bending
// nothing; a delay of 0; no fields to change) loaded (201) and did
// nothing, except that, acting, it shadows every later rule and the
// magic amounts for the requests it matches.
func TestEmptyActionIsThenDoesNothing(t *testing.T) {
	for _, then := range []string{
		"{buyer: {}}",
		"{notify: {}}",
		"{delay: 0s}",
		"{delay: {}}",
		"{fields: {}}",
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
