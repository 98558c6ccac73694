package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// TestScenarioBuyerNamedOnABarcodePayRefused: a barcode pay's buyer is its
// auth_code's owner (fixtures.CodeBuyer) and a trade that has its buyer
// takes no other, so a scenario buyer naming buyer_id or buyer_logon_id on
// alipay.trade.pay alone, matching no one auth_code, would never pay
// (ACQ.TRADE_BUYER_NOT_MATCH on the clock, the trade waiting until it
// closes): the file is refused, naming the field. The same buyer without a name pays as the code's owner.
func TestScenarioBuyerNamedOnABarcodePayRefused(t *testing.T) {
	m := mocktest.New(t, mock.Options{NoMagicAmounts: true})
	for _, field := range []string{`buyer_id: "2088000000000042"`, `buyer_logon_id: "13800138000"`} {
		file := "name: named\nrules:\n  - when: {method: alipay.trade.pay}\n    then: {buyer: {pay_after: 1m, " + field + "}}\n"
		var got struct {
			Problems []scenarios.Problem `json:"problems"`
		}
		m.ControlJSON(http.MethodPost, "/scenarios", file, http.StatusBadRequest, &got)
		name, _, _ := strings.Cut(field, ":")
		if len(got.Problems) != 1 || got.Problems[0].Line != 4 || !strings.Contains(got.Problems[0].Msg, "buyer."+name) ||
			!strings.Contains(got.Problems[0].Msg, "auth_code") {
			t.Errorf("%s: problems %+v, want one at line 4 naming buyer.%s and the auth_code", field, got.Problems, name)
		}
	}

	file := "name: unnamed\nrules:\n  - when: {method: alipay.trade.pay}\n    then: {buyer: {pay_after: 1m}}\n"
	if code := postScenario(t, m, "", file); code != http.StatusCreated {
		t.Fatalf("a barcode buyer without a name: HTTP %d", code)
	}
	got := m.Call("alipay.trade.pay", `{"out_trade_no":"SBB-1","total_amount":"2000.00","subject":"s","scene":"bar_code","auth_code":"283912345678901234"}`)
	expect(t, got, "code", "10003")
	m.Advance("2m")
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"SBB-1"}`), "trade_status", "TRADE_SUCCESS")
}

// TestScenarioBarcodeBuyerNamingItsAuthCodesOwnerLoads: a code's owner is
// fixed by the code (fixtures.CodeBuyer), so a barcode-only rule that
// matches one auth_code (equals) and names that code's owner (as a pay
// with it answered buyer_user_id) names the trade's own buyer: it loads
// and that buyer pays. Naming another buyer for that code is refused.
func TestScenarioBarcodeBuyerNamingItsAuthCodesOwnerLoads(t *testing.T) {
	const code = "283912345678901234"
	probe := mocktest.New(t, mock.Options{NoMagicAmounts: true})
	first := probe.Call("alipay.trade.pay", `{"out_trade_no":"SBO-0","total_amount":"1.00","subject":"s","scene":"bar_code","auth_code":"`+code+`"}`)
	owner, _ := first["buyer_user_id"].(string)
	if first["code"] != "10000" || owner == "" {
		t.Fatalf("a barcode pay with %s: %v", code, first)
	}

	m := mocktest.New(t, mock.Options{NoMagicAmounts: true})
	other := "name: other\nrules:\n  - when: {method: alipay.trade.pay, biz: {auth_code: \"" + code + "\"}}\n" +
		"    then: {buyer: {pay_after: 1m, buyer_id: \"2088000000000042\"}}\n"
	if got := postScenario(t, m, "", other); got != http.StatusBadRequest {
		t.Errorf("a barcode rule naming another buyer than its auth_code's owner: HTTP %d, want 400", got)
	}
	file := "name: owner\nrules:\n  - when: {method: alipay.trade.pay, biz: {auth_code: \"" + code + "\"}}\n" +
		"    then: {respond: {code: \"10003\", execute: true}, buyer: {pay_after: 1m, buyer_id: \"" + owner + "\"}}\n"
	if got := postScenario(t, m, "", file); got != http.StatusCreated {
		t.Fatalf("a barcode rule naming its auth_code's owner %s as the buyer: HTTP %d, want 201 (that buyer is the trade's)", owner, got)
	}
	expect(t, m.Call("alipay.trade.pay", `{"out_trade_no":"SBO-1","total_amount":"2000.00","subject":"s","scene":"bar_code","auth_code":"`+code+`"}`), "code", "10003")
	m.Advance("2m")
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"SBO-1"}`), "trade_status", "TRADE_SUCCESS")
}
