package mock_test

import (
	"fmt"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// docs/replicas.md: "neither another site's page pay forms nor one app's
// flood delete another app's paid trades"; CHANGELOG (Security): "one
// app's flood (the public dev app's) no longer evicts another app's
// trades". But the app holding the most loses: when the tester's own app
// holds more trades than the flood's app (the usual state of a mock at
// its bound: every kept trade is the tester's), each paid trade the public
// dev key makes evicts one of the tester's, until the dev app holds as
// many. Here the tester's app holds 3 of --keep-trades 3 and five barcode
// payments signed with the public dev key evict two of them.
func TestRVDevAppFloodDoesNotEvictTheTestersPaidTradesAtTheBound(t *testing.T) {
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
	for i := range 3 {
		q := m.Verify("alipay.trade.query", m.Post(m.Params("alipay.trade.query", fmt.Sprintf(`{"out_trade_no":"OWN-%d"}`, i), asA)), true)
		if q["trade_status"] != "TRADE_SUCCESS" {
			t.Errorf("app %s's paid trade OWN-%d was evicted by the dev app's flood: %v", merchantAppA, i, q["sub_code"])
		}
	}
}
