package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// POST /_mock/app-pay takes only the order string of an app pay method,
// but OpenOrderString (mock/gateway/cashier.go) checks the method after
// the scenario plan and the queued answers: an order string that names
// another method takes the answer queued for the merchant's next real
// call of that method, which then runs unforced.
func TestRvrlAppPayOrderStringOfAnotherMethodTakesNoQueuedAnswer(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	m.Control("POST", "/faults", map[string]any{"method": "alipay.trade.query", "code": "20000"}, http.StatusCreated)
	p := m.Params("alipay.trade.query", `{"out_trade_no":"RVRL-Q1"}`, nil)
	out := string(m.Control("POST", "/app-pay", map[string]string{"order_string": mocktest.Form(p).Encode()}, http.StatusBadRequest))
	if !strings.Contains(out, "invalid-method") {
		t.Errorf("app-pay of a query order string: %s", out)
	}
	// The merchant's own query is the one the queued answer was for.
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"RVRL-Q1"}`), "code", "20000")
}
