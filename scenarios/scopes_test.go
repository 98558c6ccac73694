package scenarios_test

import (
	"encoding/json"
	"net/http"
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
