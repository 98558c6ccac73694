package mock_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// A scenario's notification policy planted by a cancel of an unknown
// out_trade_no (answered 10000, nothing to cancel) is undone, as a failed
// call's is (gateway.failedCall): a later trade of that out_trade_no, made
// by a request no scenario matched, does not inherit it.
func TestPolicyOfACancelThatFoundNoTradeIsNotInherited(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "success")
	m := mocktest.New(t, mock.Options{DataDir: t.TempDir()})
	m.Control(http.MethodPost, "/scenarios?name=quiet-cancel",
		"rules:\n  - name: r\n    when: {method: alipay.trade.cancel}\n    then: {notify: {suppress: true}}\n", http.StatusCreated)
	for i := 0; i < 3; i++ {
		expect(t, m.Call("alipay.trade.cancel", `{"out_trade_no":"GHOST`+strconv.Itoa(i)+`"}`), "code", "10000")
	}
	m.Control(http.MethodDelete, "/scenarios?all=true", nil, http.StatusOK)
	withURL := func(p map[string]string) { p["notify_url"] = merchant.URL + "/n" }
	expect(t, m.Verify("alipay.trade.pay", m.Post(m.Params("alipay.trade.pay",
		`{"out_trade_no":"GHOST0","scene":"bar_code","auth_code":"283912345678901234","total_amount":"9.99","subject":"s"}`, withURL)), true), "code", "10000")
	for _, n := range m.Notifications("out_trade_no=GHOST0&count=1") {
		if n.State == notify.Suppressed {
			t.Errorf("the payment of GHOST0, which no scenario matched, is %s: it inherited the policy of a cancel that found no trade", n.State)
		}
	}
}
