package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// POST /_mock/app-pay takes only the order string of an app pay method:
// one of another method is refused before the scenario plan and the
// queued answers, so the answer queued for the merchant's next real call
// of that method stays for that call.
func TestAppPayOrderStringOfAnotherMethodTakesNoQueuedAnswer(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	m.Control("POST", "/faults", map[string]any{"method": "alipay.trade.query", "code": "20000"}, http.StatusCreated)
	p := m.Params("alipay.trade.query", `{"out_trade_no":"APQ-Q1"}`, nil)
	out := string(m.Control("POST", "/app-pay", map[string]string{"order_string": mocktest.Form(p).Encode()}, http.StatusBadRequest))
	if !strings.Contains(out, "invalid-method") {
		t.Errorf("app-pay of a query order string: %s", out)
	}
	// The merchant's own query is the one the queued answer was for.
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"APQ-Q1"}`), "code", "20000")
}

// The same for a scenario rule with times: an order string of another
// method does not count as the rule's call, so the merchant's own call is
// answered by it.
func TestAppPayOrderStringOfAnotherMethodUsesNoRule(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	m.Control("POST", "/scenarios", map[string]any{"name": "apq-once", "rules": []any{map[string]any{
		"times": 1,
		"when":  map[string]any{"method": "alipay.trade.query"},
		"then":  map[string]any{"respond": map[string]any{"code": "40004", "sub_code": "APQ_RULE", "sub_msg": "rule"}}}}}, http.StatusCreated)
	p := m.Params("alipay.trade.query", `{"out_trade_no":"APQ-Q2"}`, nil)
	out := string(m.Control("POST", "/app-pay", map[string]string{"order_string": mocktest.Form(p).Encode()}, http.StatusBadRequest))
	if !strings.Contains(out, "invalid-method") {
		t.Errorf("app-pay of a query order string: %s", out)
	}
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"APQ-Q2"}`), "code", "40004", "sub_code", "APQ_RULE")
}

// POST /_mock/app-pay refuses an action its order's kind does not take
// 400 before the order string opens anything, as POST
// /_mock/trades/{ref}/{action} does: no WAIT_BUYER_PAY trade or red
// packet is left behind.
func TestAppPayUnknownActionOpensNothing(t *testing.T) {
	m := mocktest.New(t, mock.Options{FundPublicKey: true})
	for _, tc := range []struct{ name, method, biz, action, ref string }{
		{"trade", "alipay.trade.app.pay", `{"out_trade_no":"APQ-A1","total_amount":"1.00","subject":"s"}`, "payy", "/trades/APQ-A1"},
		{"red packet", "alipay.fund.coupon.order.app.pay", `{"out_order_no":"APQ-RP","out_request_no":"APQ-RP-pay","order_title":"红包","amount":"8.88"}`, "scan", "/red-packets/APQ-RP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os := mocktest.Form(m.Params(tc.method, tc.biz, nil)).Encode()
			m.Control("POST", "/app-pay", map[string]string{"order_string": os, "action": tc.action}, http.StatusBadRequest)
			m.Control("GET", tc.ref, nil, http.StatusNotFound) // a refused app-pay leaves nothing
		})
	}
}
