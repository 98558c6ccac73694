package scenarios_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
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
