package scenarios_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/control"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// What the scenario files in force hold is bounded by their text, 8 MiB
// (scenarios.MaxSourceBytes, docs/limits.md: with --data or --store every
// counted request writes the list whole, "so this bounds that write").
// An upload's ?name= becomes its path ("NAME.yaml", and its name when the
// file has none) and is not counted: 150 uploads of a 70-byte file named
// with 60,000 characters each are all taken, keeping ~9 MB of names for
// ~10 KB of counted text. The list the control API answers (and, with a
// store, each counted request writes) grows without the bound: at 8 MiB of
// text that is ~120,000 such files, ~7 GB.
func TestUploadNamesCountTowardsTheTextBound(t *testing.T) {
	e := newEnv(t, mock.Options{})
	name := strings.Repeat("n", 60_000)
	body := "rules: [{when: {method: alipay.trade.close}, then: {delay: 1ms}}]\n"
	for i := range 150 {
		resp, err := http.Post(e.http.URL+"/_mock/scenarios?app_id="+keys.DevAppID+"&name="+name+string(rune('a'+i%26))+string(rune('a'+i/26)),
			"application/yaml", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return // refused at some point: bounded
		}
	}
	list := e.control("GET", "/scenarios", "", http.StatusOK)
	if len(list) > scenarios.MaxSourceBytes {
		t.Errorf("150 uploads of %d bytes of text each taken; the scenarios in force list as %d bytes, over the %d bytes of text they may hold",
			len(body), len(list), scenarios.MaxSourceBytes)
	}
}

// An upload's ?name= is at most control.MaxScenarioName bytes: one longer
// is 400 naming the limit, and changes nothing.
func TestUploadNameOverItsLimitIsRefused(t *testing.T) {
	e := newEnv(t, mock.Options{})
	e.control("POST", "/scenarios?app_id="+keys.DevAppID+"&name="+strings.Repeat("n", control.MaxScenarioName), closeRule, http.StatusCreated)
	b := e.control("POST", "/scenarios?app_id="+keys.DevAppID+"&name="+strings.Repeat("n", control.MaxScenarioName+1), closeRule, http.StatusBadRequest)
	if !strings.Contains(string(b), "255") {
		t.Errorf("a name of 256 bytes: %s, want the limit named", b)
	}
	if got := e.scenarioNames()[keys.DevAppID]; len(got) != 1 {
		t.Errorf("scenarios after the refused upload: %d, want 1", len(got))
	}
}
