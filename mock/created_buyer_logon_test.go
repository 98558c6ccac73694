package mock_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// TestCreatedBuyerMayNameItsLogon: a buyer named by buyer_id alone (an
// alipay.trade.create, a scan) gets a logon the mock derives, which no one
// chose: that buyer naming its buyer_id and its own logon pays, and the
// trade shows that logon. A logon the order named still binds, and another
// buyer_id is still refused.
func TestCreatedBuyerMayNameItsLogon(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := h.m()
	expect(t, h.call("alipay.trade.create", `{"out_trade_no":"CB-1","total_amount":"5.00","subject":"s","buyer_id":"2088000000000011"}`), "code", "10000")
	m.Control("POST", "/trades/CB-1/pay", map[string]string{"buyer_id": "2088000000000011", "buyer_logon_id": "13800138000"}, http.StatusOK)
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"CB-1"}`), "trade_status", "TRADE_SUCCESS", "buyer_user_id", "2088000000000011", "buyer_logon_id", "138****8000")

	// A scan naming only buyer_id fills in the logon as well.
	expect(t, h.call("alipay.trade.precreate", `{"out_trade_no":"CB-2","total_amount":"5.00","subject":"s"}`), "code", "10000")
	m.Control("POST", "/trades/CB-2/scan", map[string]string{"buyer_id": "2088000000000012"}, http.StatusOK)
	m.Control("POST", "/trades/CB-2/pay", map[string]string{"buyer_id": "2088000000000013", "buyer_logon_id": "13800138000"}, http.StatusConflict)
	m.Control("POST", "/trades/CB-2/pay", map[string]string{"buyer_id": "2088000000000012", "buyer_logon_id": "13800138000"}, http.StatusOK)
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"CB-2"}`), "trade_status", "TRADE_SUCCESS", "buyer_user_id", "2088000000000012", "buyer_logon_id", "138****8000")

	// A logon named alone is still compared with the filled-in one (of a
	// user no trade paid: user 11's is now the logon it paid CB-1 with).
	expect(t, h.call("alipay.trade.create", `{"out_trade_no":"CB-4","total_amount":"5.00","subject":"s","buyer_id":"2088000000000014"}`), "code", "10000")
	m.Control("POST", "/trades/CB-4/pay", map[string]string{"buyer_logon_id": "13800138000"}, http.StatusConflict)

	// A logon the order named binds.
	expect(t, h.call("alipay.trade.create", `{"out_trade_no":"CB-3","total_amount":"5.00","subject":"s","buyer_id":"2088000000000011","buyer_logon_id":"buyer@example.com"}`), "code", "10000")
	m.Control("POST", "/trades/CB-3/pay", map[string]string{"buyer_id": "2088000000000011", "buyer_logon_id": "13800138000"}, http.StatusConflict)
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"CB-3"}`), "trade_status", "WAIT_BUYER_PAY")
}

// TestCreatedBuyersDrawnLogonAcrossARestart: the mark of a drawn logon is
// stored with the trade, so after a restart that buyer may still name its
// own logon.
func TestCreatedBuyersDrawnLogonAcrossARestart(t *testing.T) {
	dir := t.TempDir()
	m1 := mocktest.New(t, mock.Options{DataDir: dir})
	expect(t, m1.Call("alipay.trade.create", `{"out_trade_no":"CBR-1","total_amount":"5.00","subject":"s","buyer_id":"2088000000000011"}`), "code", "10000")
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := mocktest.New(t, mock.Options{DataDir: dir})
	m2.Control("POST", "/trades/CBR-1/pay", map[string]string{"buyer_id": "2088000000000011", "buyer_logon_id": "13800138000"}, http.StatusOK)
	expect(t, m2.Call("alipay.trade.query", `{"out_trade_no":"CBR-1"}`), "trade_status", "TRADE_SUCCESS", "buyer_logon_id", "138****8000")
}

// TestCreatedBuyerNamedByLogonMayNameItsBuyerID, the mirror of
// TestCreatedBuyerMayNameItsLogon: a buyer named by buyer_logon_id alone
// (alipay.trade.create) gets a buyer_id the mock draws, which no one
// chose: that buyer naming the order's logon and its own buyer_id pays,
// and the trade shows that id. Another logon is still refused.
func TestCreatedBuyerNamedByLogonMayNameItsBuyerID(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	expect(t, m.Call("alipay.trade.create", `{"out_trade_no":"CBL-1","total_amount":"5.00","subject":"s","buyer_logon_id":"13800138000"}`), "code", "10000")
	m.Control("POST", "/trades/CBL-1/pay", map[string]string{"buyer_id": "2088000000000011", "buyer_logon_id": "buyer@example.com"}, http.StatusConflict)
	m.Control("POST", "/trades/CBL-1/pay", map[string]string{"buyer_id": "2088000000000011"}, http.StatusConflict)
	m.Control("POST", "/trades/CBL-1/pay", map[string]string{"buyer_id": "2088000000000011", "buyer_logon_id": "13800138000"}, http.StatusOK)
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"CBL-1"}`), "trade_status", "TRADE_SUCCESS", "buyer_user_id", "2088000000000011")

	// A precreate's buyer_logon_id scanned without a buyer_id draws the id as well.
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"CBL-2","total_amount":"5.00","subject":"s","buyer_logon_id":"13800138000"}`), "code", "10000")
	m.Control("POST", "/trades/CBL-2/scan", map[string]string{}, http.StatusOK)
	m.Control("POST", "/trades/CBL-2/pay", map[string]string{"buyer_id": "2088000000000012"}, http.StatusConflict)
	m.Control("POST", "/trades/CBL-2/pay", map[string]string{"buyer_id": "2088000000000012", "buyer_logon_id": "13800138000"}, http.StatusOK)
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"CBL-2"}`), "trade_status", "TRADE_SUCCESS", "buyer_user_id", "2088000000000012")
}

// TestCreatedBuyersDrawnIDAcrossARestart: the mark of a drawn buyer_id is
// stored with the trade too.
func TestCreatedBuyersDrawnIDAcrossARestart(t *testing.T) {
	dir := t.TempDir()
	m1 := mocktest.New(t, mock.Options{DataDir: dir})
	expect(t, m1.Call("alipay.trade.create", `{"out_trade_no":"CBI-1","total_amount":"5.00","subject":"s","buyer_logon_id":"13800138000"}`), "code", "10000")
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := mocktest.New(t, mock.Options{DataDir: dir})
	m2.Control("POST", "/trades/CBI-1/pay", map[string]string{"buyer_id": "2088000000000011", "buyer_logon_id": "13800138000"}, http.StatusOK)
	expect(t, m2.Call("alipay.trade.query", `{"out_trade_no":"CBI-1"}`), "trade_status", "TRADE_SUCCESS", "buyer_user_id", "2088000000000011")
}

// One user is one account across trades: alipay.trade.create with a
// buyer_id alone pays with the logon the control API's pay as that user
// shows, on every trade, and with a buyer_logon_id alone as the user the
// control API's pay with that logon shows. Before, each create drew a new
// logon (or user).
func TestCreateForOneHalfOfABuyerDerivesTheOther(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	const user = "2088000000000123"
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"CBH-PAGE","total_amount":"1.00","subject":"s"}`), "code", "10000")
	m.Control("POST", "/trades/CBH-PAGE/pay", map[string]string{"buyer_id": user}, http.StatusOK)
	want := m.Call("alipay.trade.query", `{"out_trade_no":"CBH-PAGE"}`)["buyer_logon_id"]
	for _, out := range []string{"CBH-C1", "CBH-C2"} {
		expect(t, m.Call("alipay.trade.create", `{"out_trade_no":"`+out+`","total_amount":"1.00","subject":"s","buyer_id":"`+user+`"}`), "code", "10000")
		m.Control("POST", "/trades/"+out+"/pay", nil, http.StatusOK)
		if got := m.Call("alipay.trade.query", `{"out_trade_no":"`+out+`"}`)["buyer_logon_id"]; got != want {
			t.Errorf("%s: created for buyer_id %s: buyer_logon_id %v, the control API's pay as that user %v", out, user, got, want)
		}
	}
	// and its mirror: a logon alone
	const logon = "cbh.buyer@example.com"
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"CBH-PAGE2","total_amount":"1.00","subject":"s"}`), "code", "10000")
	m.Control("POST", "/trades/CBH-PAGE2/pay", map[string]string{"buyer_logon_id": logon}, http.StatusOK)
	wantUser := m.Call("alipay.trade.query", `{"out_trade_no":"CBH-PAGE2"}`)["buyer_user_id"]
	expect(t, m.Call("alipay.trade.create", `{"out_trade_no":"CBH-C3","total_amount":"1.00","subject":"s","buyer_logon_id":"`+logon+`"}`), "code", "10000")
	m.Control("POST", "/trades/CBH-C3/pay", nil, http.StatusOK)
	if got := m.Call("alipay.trade.query", `{"out_trade_no":"CBH-C3"}`)["buyer_user_id"]; got != wantUser {
		t.Errorf("created for buyer_logon_id %s: buyer_user_id %v, the control API's pay as that logon %v", logon, got, wantUser)
	}
}
