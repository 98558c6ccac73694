package mock_test

// rv-m: failing proof: an edited --scenario file whose edit is its app_id
// leaves the stored text in force.

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// docs/scenarios.md: "a --scenario file edited since it was stored (same
// path, other text) replaces the stored one in place at start". An edit
// that scopes the file to an app (adds app_id) leaves the old, global
// text in force beside it after the restart.
func TestReviewScenarioFileEditedToAnAppLeavesTheOldTextInForce(t *testing.T) {
	const old = `name: once
rules:
  - name: refusal
    when: {method: alipay.trade.query}
    then: {respond: {code: "40004", sub_code: "ACQ.SYSTEM_ERROR", sub_msg: "old text"}}
`
	edited := "app_id: \"" + keys.DevAppID + "\"\n" + strings.Replace(old, "old text", "edited text", 1)
	o := mock.Options{DataDir: t.TempDir(), Scenarios: scenarioFile(t, "once.yaml", old)()}
	m := mocktest.New(t, o)
	if got := answers(m, 1); !slices.Equal(got, []string{"old text"}) {
		t.Fatalf("before the edit: %q", got)
	}
	o.Scenarios = scenarioFile(t, "once.yaml", edited)()
	m = restart(t, m, o)
	if n := strings.Count(string(m.Control(http.MethodGet, "/scenarios", nil, http.StatusOK)), `"path":"once.yaml"`); n != 1 {
		t.Fatalf("once.yaml is in force %d times after the restart with it edited, want once (the edited text)", n)
	}
}
