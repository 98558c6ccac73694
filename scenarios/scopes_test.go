package scenarios_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// scenarioNames are the names of the non-built-in scenarios in force, by
// scope, as GET /_mock/scenarios lists them.
func (e *env) scenarioNames() map[string][]string {
	e.t.Helper()
	var list map[string][]struct {
		File struct {
			Name string `json:"name"`
		} `json:"scenario"`
		Builtin bool `json:"builtin"`
	}
	if err := json.Unmarshal(e.control("GET", "/scenarios", "", http.StatusOK), &list); err != nil {
		e.t.Fatal(err)
	}
	out := map[string][]string{}
	for scope, ls := range list {
		for _, s := range ls {
			if !s.Builtin {
				out[scope] = append(out[scope], s.File.Name)
			}
		}
	}
	return out
}

// closeRule is a one-rule file: every close answered 20000.
const closeRule = "rules:\n  - name: r\n    when: {method: alipay.trade.close}\n    then: {respond: {code: \"20000\"}}\n"

// DELETE /_mock/scenarios?all= is 'true' or 'false': another value ("1")
// is 400 naming the valid ones, and clears nothing (it was read as false:
// the global scope cleared, every app's scenarios kept).
func TestDeleteScenariosAllWithAnotherValueIsRefused(t *testing.T) {
	e := newEnv(t, mock.Options{})
	e.control("POST", "/scenarios?name=mine&app_id="+keys.DevAppID, closeRule, http.StatusCreated)
	e.control("DELETE", "/scenarios?all=1", "", http.StatusBadRequest)
	if got := e.scenarioNames()[keys.DevAppID]; len(got) != 1 {
		t.Errorf("the app's scenarios after a refused DELETE ?all=1: %v, want [mine]", got)
	}
}

// An upload's scope is ?app_id= or else the file's own app_id: an
// explicit ?app_id=global puts the file in the global scope, leaving the
// scope of the app the file names alone.
func TestPutToTheGlobalScopeOfAFileNamingAnApp(t *testing.T) {
	e := newEnv(t, mock.Options{})
	e.control("POST", "/scenarios?name=mine&app_id="+keys.DevAppID, closeRule, http.StatusCreated)
	e.control("PUT", "/scenarios?name=global-one&app_id=global", "app_id: \""+keys.DevAppID+"\"\n"+closeRule, http.StatusOK)
	names := e.scenarioNames()
	if got := names[keys.DevAppID]; len(got) != 1 || got[0] != "mine" {
		t.Errorf("the app's scope after a PUT to the global scope: %v, want [mine] untouched", got)
	}
	if got := names["global"]; len(got) != 1 || got[0] != "global-one" {
		t.Errorf("the global scope after a PUT to it: %v, want [global-one]", got)
	}
}

// DELETE /_mock/scenarios?app_id= of an app the mock does not know is 404
// "no app …", as POST /_mock/reset?app_id= is: a typo in a suite's
// teardown is not "cleared".
func TestDeleteScenariosOfAnUnknownAppIs404(t *testing.T) {
	e := newEnv(t, mock.Options{})
	if b := e.control("DELETE", "/scenarios?app_id=9021000100000009", "", http.StatusNotFound); !strings.Contains(string(b), "no app") {
		t.Errorf("DELETE /_mock/scenarios?app_id= of an unknown app: %s, want no app", b)
	}
}

// GET /_mock/scenarios (and the answer of PUT/POST) writes then.delay as
// duration text, as every other duration of a scenario ("scan_after":"5s"),
// where it wrote nanoseconds ({"min":2000000000,…}).
func TestDelayListedAsADuration(t *testing.T) {
	e := newEnv(t, mock.Options{})
	b := e.control("POST", "/scenarios?name=slow&app_id="+keys.DevAppID, "rules:\n  - when: {method: alipay.trade.query}\n    then: {delay: 2s}\n", http.StatusCreated)
	if !strings.Contains(string(b), `"delay":{"min":"2s","max":"2s"}`) {
		t.Errorf("the delay as the control API lists it: %s, want {\"min\":\"2s\",\"max\":\"2s\"}", b)
	}
}
