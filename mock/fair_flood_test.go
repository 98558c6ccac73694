package mock_test

import (
	"fmt"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// The rule docs/limits.md and docs/security.md state: of each kind, the
// app holding the most loses first (of apps holding as many, the one
// whose oldest is the oldest). So a flood through the public dev key
// evicts another app's paid trades only while that app holds at least as
// many, down to an even share; from then on the flood's app loses its
// own. Here the tester's app holds 3 of --keep-trades 3 and five barcode
// payments signed with the public dev key take two of them (the tester's
// app holding 3, then 2 as the dev app does), then only the dev app's
// own oldest.
func TestADevAppFloodEvictsAnotherAppsPaidTradesOnlyDownToAnEvenShare(t *testing.T) {
	m := mocktest.New(t, twoMerchants(mock.Options{Trades: trade.Options{Keep: 3}}))
	asA := func(p map[string]string) { p["app_id"] = merchantAppA }
	barcode := func(out string) string {
		return `{"out_trade_no":"` + out + `","total_amount":"1.00","subject":"s","scene":"bar_code","auth_code":"286111111111111111"}`
	}
	for i := range 3 {
		if r := m.Verify("alipay.trade.pay", m.Post(m.Params("alipay.trade.pay", barcode(fmt.Sprintf("OWN-%d", i)), asA)), true); r["code"] != "10000" {
			t.Fatalf("barcode pay OWN-%d: %v", i, r)
		}
	}
	for i := range 5 { // the flood: the public dev app's key
		if r := m.Call("alipay.trade.pay", barcode(fmt.Sprintf("FLOOD-%d", i))); r["code"] != "10000" {
			t.Fatalf("flood pay %d: %v", i, r)
		}
	}
	for i, want := range []string{"ACQ.TRADE_NOT_EXIST", "ACQ.TRADE_NOT_EXIST", ""} {
		q := m.Verify("alipay.trade.query", m.Post(m.Params("alipay.trade.query", fmt.Sprintf(`{"out_trade_no":"OWN-%d"}`, i), asA)), true)
		if got := fmt.Sprint(q["sub_code"]); want == "" && q["trade_status"] != "TRADE_SUCCESS" || want != "" && got != want {
			t.Errorf("app %s's paid trade OWN-%d after the dev app's flood: %v %v, want kept: %v", merchantAppA, i, q["trade_status"], q["sub_code"], want == "")
		}
	}
	for i, kept := range []bool{false, false, false, true, true} {
		q := m.Call("alipay.trade.query", fmt.Sprintf(`{"out_trade_no":"FLOOD-%d"}`, i))
		if (q["trade_status"] == "TRADE_SUCCESS") != kept {
			t.Errorf("the dev app's FLOOD-%d: %v %v, want kept: %v", i, q["trade_status"], q["sub_code"], kept)
		}
	}
}
