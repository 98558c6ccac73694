package mock_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// "The logon named for a buyer who paid with several is the one first paid
// with among those still kept" (CHANGELOG). The payee index notes logons
// in the order it counts trades: as they are paid once the app is
// indexed, but in the order the trades were made when its first lookup
// walks them (Book.byApp) — after a restart (--data) or when nothing
// looked the buyer up before. A buyer who paid the later trade first
// is then named by another logon: the answer changes across a restart.
func TestKnownBuyerLogonSurvivesARestart(t *testing.T) {
	const user = "2088000000000978"
	dir := t.TempDir()
	named := func(m *mocktest.Mock, out string) any {
		if r := m.Call("alipay.trade.create", `{"out_trade_no":"`+out+`","total_amount":"1.00","subject":"s","buyer_id":"`+user+`"}`); r["code"] != "10000" {
			t.Fatalf("create: %v", r)
		}
		return m.Call("alipay.trade.query", `{"out_trade_no":"`+out+`"}`)["buyer_logon_id"]
	}
	m1 := mocktest.New(t, mock.Options{DataDir: dir})
	for _, out := range []string{"RX-O1", "RX-O2"} {
		if r := m1.Call("alipay.trade.precreate", `{"out_trade_no":"`+out+`","total_amount":"10.00","subject":"s"}`); r["code"] != "10000" {
			t.Fatalf("precreate: %v", r)
		}
	}
	named(m1, "RX-N0") // the app's first lookup: indexed now
	// The later trade paid first, as 13800138978; then the earlier one.
	m1.Control("POST", "/trades/RX-O2/pay", map[string]string{"buyer_id": user, "buyer_logon_id": "13800138978"}, http.StatusOK)
	m1.Control("POST", "/trades/RX-O1/pay", map[string]string{"buyer_id": user, "buyer_logon_id": "later.rx@example.com"}, http.StatusOK)
	before := named(m1, "RX-N1")
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := mocktest.New(t, mock.Options{DataDir: dir})
	after := named(m2, "RX-N2")
	if before != after {
		t.Errorf("a buyer named by user id alone: buyer_logon_id %v before the restart (the logon first paid with), %v after", before, after)
	}
}
