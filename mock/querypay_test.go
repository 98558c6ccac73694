package mock_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A buyer waiting for the Nth query pays the trade it was planned for,
// never a later trade of the same out_trade_no made after a reset.
func TestWaitingBuyerPaysOnlyItsOwnTrade(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	m.Control(http.MethodPost, "/scenarios?name=polls",
		"rules:\n  - name: r\n    when: {method: alipay.trade.create}\n    then: {buyer: {pay_after_queries: 1}}\n", http.StatusCreated)
	create := `{"out_trade_no":"QP1","total_amount":"1.00","subject":"s","buyer_id":"2088102177846880"}`
	if r := m.Call("alipay.trade.create", create); r["code"] != "10000" {
		t.Fatalf("create: %v", r)
	}
	m.Control(http.MethodDelete, "/scenarios", nil, http.StatusOK)
	m.Control(http.MethodPost, "/reset?app_id="+keys.DevAppID, nil, http.StatusOK)
	if r := m.Call("alipay.trade.create", create); r["code"] != "10000" {
		t.Fatalf("create after the reset: %v", r)
	}
	for i := 1; i <= 3; i++ {
		if q := m.Call("alipay.trade.query", `{"out_trade_no":"QP1"}`); q["trade_status"] != "WAIT_BUYER_PAY" {
			t.Fatalf("query %d of the trade made after the reset: %v", i, q["trade_status"])
		}
	}
}
