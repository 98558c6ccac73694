package mock_test

import (
	"net/http"
	"strconv"
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

// Buyers waiting for queries are kept no longer than their trades: a trade
// evicted under --keep-trades takes its buyer with it, and a reset (of the
// control API, or the dashboard's) drops them, so a scenario's buyers
// cannot grow the mock's memory without bound.
func TestWaitingBuyersAreBoundedByTheTradesKept(t *testing.T) {
	waiting := func(m *mocktest.Mock) int {
		var mem struct {
			WaitingBuyers int `json:"waiting_buyers"`
			Trades        struct {
				Count int `json:"count"`
			} `json:"trades"`
		}
		m.ControlJSON(http.MethodGet, "/memory", nil, http.StatusOK, &mem)
		return mem.WaitingBuyers
	}
	o := mock.Options{}
	o.Trades.Keep = 3
	m := mocktest.New(t, o)
	m.Control(http.MethodPost, "/scenarios?name=polls",
		"rules:\n  - name: r\n    when: {method: alipay.trade.precreate}\n    then: {buyer: {pay_after_queries: 5}}\n", http.StatusCreated)
	precreate := func(n int) {
		for i := 0; i < n; i++ {
			if r := m.Call("alipay.trade.precreate", `{"out_trade_no":"QB`+strconv.Itoa(i)+`","total_amount":"1.00","subject":"s"}`); r["code"] != "10000" {
				t.Fatalf("precreate: %v", r)
			}
		}
	}
	precreate(10)
	if n := waiting(m); n != 3 {
		t.Fatalf("%d buyers waiting with 3 trades kept", n)
	}
	m.Control(http.MethodPost, "/reset", nil, http.StatusOK)
	if n := waiting(m); n != 0 {
		t.Fatalf("%d buyers waiting after a reset", n)
	}
	precreate(2)
	balance := func() string {
		var b struct {
			Available string `json:"available_amount"`
		}
		m.ControlJSON(http.MethodGet, "/apps/"+keys.DevAppID+"/balance", nil, http.StatusOK, &b)
		return b.Available
	}
	start := balance()
	m.Control(http.MethodPost, "/apps/"+keys.DevAppID+"/balance", map[string]string{"available_amount": "123.45"}, http.StatusOK)
	req, _ := http.NewRequest(http.MethodPost, m.URL+"/_mock/ui/reset", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", m.URL)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("dashboard reset: %s", resp.Status)
	}
	if n := waiting(m); n != 0 {
		t.Fatalf("%d buyers waiting after the dashboard's reset", n)
	}
	// The same reset as POST /_mock/reset: balances too (it once kept them).
	if b := balance(); b != start {
		t.Fatalf("balance %s after the dashboard's reset, %s before it was set", b, start)
	}
}
