package mock_test

import (
	"slices"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// Two files given at start under one path name in different scopes (a
// program's Options.Scenarios naming each file it parses the same) are
// both in force with --data, as they are without it: joining the stored
// list does not take one for an edit of the other.
func TestRVOStartFilesOfOnePathInTwoScopesAreBothInForce(t *testing.T) {
	const global = `name: global
rules:
  - name: refusal
    when: {method: alipay.trade.query}
    then: {respond: {code: "40004", sub_code: "ACQ.SYSTEM_ERROR", sub_msg: "global"}}
`
	const app = "app_id: \"" + keys.DevAppID + "\"\n" + `name: app
rules:
  - name: refusal
    when: {method: alipay.trade.close}
    then: {respond: {code: "40004", sub_code: "ACQ.SYSTEM_ERROR", sub_msg: "app"}}
`
	files := func() []*scenarios.File {
		return append(scenarioFile(t, "s.yaml", global)(), scenarioFile(t, "s.yaml", app)()...)
	}
	for _, data := range []bool{false, true} {
		o := mock.Options{Scenarios: files()}
		if data {
			o.DataDir = t.TempDir()
		}
		m := mocktest.New(t, o)
		got := answers(m, 1)
		r := m.Call("alipay.trade.close", `{"out_trade_no":"NO-SUCH"}`)
		s, _ := r["sub_msg"].(string)
		got = append(got, s)
		if !slices.Equal(got, []string{"global", "app"}) {
			t.Errorf("--data %v: query and close answered %q, want both files' rules", data, got)
		}
	}
}
