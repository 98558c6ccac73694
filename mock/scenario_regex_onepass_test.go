package mock_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// TestScenarioOnePassRegexesInForceKeepWhatTheDocsSay: a regex Go also
// compiles one-pass (anchored, unambiguous: ^(?:ab){200}$) keeps about
// 55 bytes a unit of cost, so it counts twice towards the bound in force:
// uploads of such regexes are refused before they keep more than the
// ~60 MB docs/limits.md says.
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
	t.Logf("%d uploads of 100 one-pass regexes taken, keeping %.1f MB", taken, kept/(1<<20))
	if taken == 0 || taken == 100 {
		t.Fatalf("%d uploads taken: want some, then 413", taken)
	}
	if kept > 64<<20 {
		t.Errorf("the regexes in force keep %.0f MB under the bound, where docs/limits.md says ~60 MB (~30 bytes a unit at most)", kept/(1<<20))
	}
}
