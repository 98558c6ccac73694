package scenarios_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// A rule whose when.app_id differs from the file's app_id can never match,
// and Parse refuses it ("can never match", check_test.go "app id differs").
// An upload's ?app_id= puts the file in that app's scope over its own: a
// rule naming another app in when.app_id then can never match either: the
// upload is refused. It was accepted (201) and the rule silently never acted, the very
// thing docs/scenarios.md says an upload's scope check prevents ("rather
// than a scenario that never acts") and "a bad scenario file accepted and
// later failing".
func TestUploadScopeContradictingARulesAppIDIsRefused(t *testing.T) {
	e := newEnv(t, mock.Options{})
	file := "name: never\nrules:\n  - name: r\n    when: {method: alipay.trade.close, app_id: \"" + keys.DevCertAppID + "\"}\n    then: {respond: {code: \"20000\"}}\n"
	// Scoped to the dev app, the rule (for the cert app) can act on no request.
	b := e.control("POST", "/scenarios?name=never&app_id="+keys.DevAppID, file, http.StatusBadRequest)
	if !strings.Contains(string(b), "can never match") {
		t.Errorf("refusal does not say the rule can never match: %s", b)
	}
}

// The same with PUT of a file that names app B both as its app_id and in
// the rule's when.app_id (valid alone) into app A's scope (?app_id= wins
// over the file's own): the rule can never match; the PUT was 200.
func TestPutScopeContradictingARulesAppIDIsRefused(t *testing.T) {
	e := newEnv(t, mock.Options{})
	file := "name: never\napp_id: \"" + keys.DevCertAppID + "\"\nrules:\n  - name: r\n    when: {method: alipay.trade.close, app_id: \"" + keys.DevCertAppID + "\"}\n    then: {respond: {code: \"20000\"}}\n"
	e.control("PUT", "/scenarios?name=never&app_id="+keys.DevAppID, file, http.StatusBadRequest)
}

// An upload's scope "must name a registered app: one that names none is
// 400 no app … and changes nothing, rather than a scenario that never
// acts" (docs/scenarios.md). A rule's own when.app_id is the same scope
// one rule at a time: a typo there (an app the mock does not know)
// was accepted (201) and the rule never acted.
func TestUploadRuleNamingAnUnknownAppIsRefused(t *testing.T) {
	e := newEnv(t, mock.Options{})
	file := "name: typo\nrules:\n  - name: r\n    when: {method: alipay.trade.close, app_id: \"9021000100000009\"}\n    then: {respond: {code: \"20000\"}}\n"
	b := e.control("POST", "/scenarios?name=typo", file, http.StatusBadRequest)
	if !strings.Contains(string(b), "no app") {
		t.Errorf("refusal does not name the unknown app: %s", b)
	}
}
