package mock_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A barcode's auth_code is the same buyer in every process, whatever its
// seed, and another code is another buyer (each mock used to draw a new
// buyer from its own generator for a code it had not seen).
func TestTwoMocksAgreeOnACodesBuyer(t *testing.T) {
	a := mocktest.New(t, mock.Options{Seed: 1})
	b := mocktest.New(t, mock.Options{Seed: 2})
	pay := func(m *mocktest.Mock, out, code string) map[string]any {
		t.Helper()
		r := m.Call("alipay.trade.pay", `{"out_trade_no":"`+out+`","scene":"bar_code","auth_code":"`+code+`","total_amount":"1.00","subject":"s"}`)
		expect(t, r, "code", "10000")
		if r["buyer_user_id"] == nil || r["buyer_logon_id"] == nil {
			t.Fatalf("pay names no buyer: %v", r)
		}
		return r
	}
	const code, other = "283912345678901234", "251111222233334444"
	x, y := pay(a, "TB1", code), pay(b, "TB1", code)
	if x["buyer_user_id"] != y["buyer_user_id"] || x["buyer_logon_id"] != y["buyer_logon_id"] {
		t.Fatalf("one auth_code, two mocks: buyer %v (%v) and %v (%v)", x["buyer_user_id"], x["buyer_logon_id"], y["buyer_user_id"], y["buyer_logon_id"])
	}
	for _, m := range []*mocktest.Mock{a, b} {
		if z := pay(m, "TB2", other); z["buyer_user_id"] == x["buyer_user_id"] {
			t.Fatalf("two auth_codes, one buyer %v", x["buyer_user_id"])
		}
	}
}
