package mock_test

import (
	"fmt"
	"github.com/alipay-mock/alipay-mock/keys"
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

// A buyer the mock lets a page, the control API or a scenario name
// (fixtures.Buyer.Check: any logon of at most 100 characters) is a known
// payee "by the logon account it paid with" (docs/transfers.md), but a
// transfer to that logon is refused PAYEE_NOT_EXIST first: the payee's
// shape rule (fixtures.IsLogonID, phone or e-mail) is a second rule for
// the same logon. One of the two must give: the buyer named "rvrl-buyer"
// either is refused when named, or can be paid.
func TestRvrlABuyerTheMockTookByLogonCanBePaidByThatLogon(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	for i, logon := range []string{"rvrl@example.com", "rvrl-buyer"} {
		out := fmt.Sprintf("RVRL-T%d", i)
		expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"`+out+`","total_amount":"100.00","subject":"s"}`), "code", "10000")
		var tr struct {
			Buyer struct {
				Name string `json:"name"`
			} `json:"buyer"`
		}
		code := http.StatusOK
		m.ControlJSON("POST", "/trades/"+out+"/pay?app_id="+keys.DevCertAppID, map[string]string{"buyer_logon_id": logon}, code, &tr)
		name := tr.Buyer.Name
		if name == "" { // a buyer named by its logon alone has no name: any is taken
			name = "张三"
		}
		biz := `{"out_biz_no":"RVRL-P` + fmt.Sprint(i) + `","trans_amount":"1.00","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER",` +
			`"order_title":"t","transfer_scene_name":"佣金报酬","payee_info":{"identity":"` + logon + `","identity_type":"ALIPAY_LOGON_ID","name":"` + name + `"}}`
		got := m.Call("alipay.fund.trans.uni.transfer", biz)
		if got["code"] != "10000" {
			t.Errorf("buyer %q paid the trade, but a transfer to that logon: %v", logon, got)
		}
	}
}

// The same for a scenario rule with times: an order string of another
// method counts as the rule's call, so the merchant's own call is not
// answered by it.
func TestRvrlAppPayOrderStringOfAnotherMethodUsesNoRule(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	m.Control("POST", "/scenarios", map[string]any{"name": "rvrl-once", "rules": []any{map[string]any{
		"times": 1,
		"when":  map[string]any{"method": "alipay.trade.query"},
		"then":  map[string]any{"respond": map[string]any{"code": "40004", "sub_code": "RVRL_RULE", "sub_msg": "rule"}}}}}, http.StatusCreated)
	p := m.Params("alipay.trade.query", `{"out_trade_no":"RVRL-Q2"}`, nil)
	out := string(m.Control("POST", "/app-pay", map[string]string{"order_string": mocktest.Form(p).Encode()}, http.StatusBadRequest))
	if !strings.Contains(out, "invalid-method") {
		t.Errorf("app-pay of a query order string: %s", out)
	}
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"RVRL-Q2"}`), "code", "40004", "sub_code", "RVRL_RULE")
}

// POST /_mock/app-pay refuses an unknown action 400, but only after the
// order string opened its trade (red packet): the refusal leaves an
// order behind, where POST /_mock/trades/{ref}/{action} refuses an
// unknown action before acting on anything (mock/control/control.go
// appPay: oneOf after OpenOrderString).
func TestRvrlAppPayUnknownActionOpensNothing(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	p := m.Params("alipay.trade.app.pay", `{"out_trade_no":"RVRL-A1","total_amount":"1.00","subject":"s"}`, nil)
	m.Control("POST", "/app-pay", map[string]string{"order_string": mocktest.Form(p).Encode(), "action": "payy"}, http.StatusBadRequest)
	m.Control("GET", "/trades/RVRL-A1", nil, http.StatusNotFound) // a refused app-pay leaves no trade
}
