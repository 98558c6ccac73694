package scenarios_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// when.nth is "only the 1st (or [2, 3]) matching call" (docs/scenarios.md):
// every call that meets the rule's conditions counts, one an earlier rule
// answered too. So the chain "nth: 1 → 20000, nth: 2 →
// ACQ.TRADE_HAS_CLOSE" answers the second call with the second rule.
func TestNthCountsCallsAnEarlierRuleAnswered(t *testing.T) {
	e := newEnv(t, mock.Options{})
	body := `name: chain
rules:
  - name: first
    when: {method: alipay.trade.close, biz: {out_trade_no: {prefix: "NTH-"}}, nth: 1}
    then: {respond: {code: "20000"}}
  - name: second
    when: {method: alipay.trade.close, biz: {out_trade_no: {prefix: "NTH-"}}, nth: 2}
    then: {respond: {code: "40004", sub_code: ACQ.TRADE_HAS_CLOSE, sub_msg: 交易已经关闭}}
`
	e.control("PUT", "/scenarios?app_id="+keys.DevAppID, body, http.StatusOK)
	var got []string
	for range 3 {
		_, err := e.c.Close(e.ctx, client.CloseRequest{OutTradeNo: "NTH-1"})
		got = append(got, code(err))
	}
	if got[1] != "40004 ACQ.TRADE_HAS_CLOSE" {
		t.Errorf("three closes answered %q: want the nth: 2 rule on the 2nd call", got)
	}
}
