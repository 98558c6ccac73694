package scenarios_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// docs/scenarios.md: "times: 2 — act twice, then stand aside", and a
// queued answer with execute "answers instead of a rule's respond, whose
// other parts act". A times: 1 rule whose only part is respond has no
// other part: on the request the queued answer takes it is not counted,
// and its refusal comes on a later request.
func TestQueuedExecuteAnswerDoesNotUseUpARespondOnlyTimesRule(t *testing.T) {
	for _, store := range []string{"memory", "--data"} {
		t.Run(store, func(t *testing.T) {
			var o mock.Options
			if store == "--data" {
				o.DataDir = t.TempDir()
			}
			queuedExecuteAnswerLeavesARespondOnlyRuleIn(t, o)
		})
	}
}

func queuedExecuteAnswerLeavesARespondOnlyRuleIn(t *testing.T, o mock.Options) {
	e := newEnv(t, o)
	file := "name: q\nrules:\n  - name: r\n    when: {method: alipay.trade.query}\n    times: 1\n" +
		"    then: {respond: {code: \"40004\", sub_code: ACQ.SYSTEM_ERROR, sub_msg: scripted once}}\n"
	e.control("POST", "/scenarios?name=q&app_id="+keys.DevAppID, file, http.StatusCreated)
	e.control("POST", "/faults", `{"method":"alipay.trade.query","code":"20000","execute":true}`, http.StatusCreated)
	var got []string
	for i := 0; i < 3; i++ {
		_, err := e.c.Query(e.ctx, client.QueryRequest{OutTradeNo: "NO-SUCH"})
		got = append(got, code(err)+" "+msgOf(err))
	}
	scripted := 0
	for _, g := range got {
		if strings.Contains(g, "scripted once") {
			scripted++
		}
	}
	if scripted != 1 || !strings.HasPrefix(got[0], "20000") && !strings.HasPrefix(got[1], "20000") {
		t.Fatalf("three queries under a times: 1 respond rule and one queued answer: %q; want the queued 20000 once and the rule's refusal once", got)
	}
}

func msgOf(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
