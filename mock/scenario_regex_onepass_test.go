package mock_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// TestScenarioOnePassRegexesInForceKeepWhatTheDocsSay: a regex Go also
// compiles one-pass (anchored, unambiguous: ^(?:ab){200}$) keeps about
// 70 bytes a unit of cost, so it counts twice towards the bound in force:
// uploads of such regexes are refused before they keep more than
// docs/limits.md says, ~35 bytes a unit counted (measured), ~70 MB at the
// bound.
func TestScenarioOnePassRegexesInForceKeepWhatTheDocsSay(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	var b strings.Builder
	b.WriteString("rules:\n")
	for i := 0; i < 100; i++ { // cost 804 each: 80,400 a file, under its 100,000
		b.WriteString("- {when: {method: alipay.trade.query, biz: {out_trade_no: {regex: \"^(?:ab){200}$\"}}}, then: {fault: drop}}\n")
	}
	before := liveHeap()
	taken := 0
	for ; taken < 100; taken++ {
		resp, err := http.Post(m.URL+"/_mock/scenarios?name=o"+strconv.Itoa(taken), "application/yaml", strings.NewReader(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("upload %d: HTTP %d, want 201 or 413", taken, resp.StatusCode)
			}
			break
		}
	}
	kept := liveHeap() - before
	counted := taken * 100 * (2*804 + 100) // cost twice, plus 100 a regex
	t.Logf("%d uploads of 100 one-pass regexes taken, keeping %.1f MB, %.1f bytes a unit counted", taken, kept/1e6, kept/float64(counted))
	if taken == 0 || taken == 100 {
		t.Fatalf("%d uploads taken: want some, then 413", taken)
	}
	// The bound at the ~35 bytes a unit docs/limits.md says, plus 25% slack
	// for the collector and the runtime: not counting one-pass regexes
	// twice would keep about twice the measured ~66 MB.
	const perUnit, slack = 35, 1.25
	if limit := float64(scenarios.MaxRegexCostInForce) * perUnit * slack; kept > limit {
		t.Errorf("the regexes in force keep %.0f MB under the bound, over its %d units at %d bytes each plus %.0f%% (%.0f MB; docs/limits.md says ~70 MB)",
			kept/1e6, scenarios.MaxRegexCostInForce, perUnit, (slack-1)*100, limit/1e6)
	}
}
