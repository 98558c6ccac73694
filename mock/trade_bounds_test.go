package mock_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// One trade cannot be made to grow without end: at most trade.MaxRefunds
// refunds, the buyer's scan recorded once and failed payments at most
// trade.MaxBuyerEvents times, however often a merchant refunds or a page
// holder posts (each call re-encoded the whole trade, and --data wrote it).
func TestOneTradeStaysBounded(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	expect(t, m.Call("alipay.trade.pay", `{"out_trade_no":"BIG1","scene":"bar_code","auth_code":"283912345678901234","total_amount":"100.00","subject":"s"}`), "code", "10000")
	for i := 1; i <= trade.MaxRefunds; i++ {
		expect(t, m.Call("alipay.trade.refund", `{"out_trade_no":"BIG1","refund_amount":"0.01","out_request_no":"R`+strconv.Itoa(i)+`"}`), "code", "10000")
	}
	r := m.Call("alipay.trade.refund", `{"out_trade_no":"BIG1","refund_amount":"0.01","out_request_no":"R-over"}`)
	expect(t, r, "code", "40004", "sub_code", "ACQ.INVALID_PARAMETER")
	// A refund already made is still answered (idempotent), past the bound.
	expect(t, m.Call("alipay.trade.refund", `{"out_trade_no":"BIG1","refund_amount":"0.01","out_request_no":"R1"}`), "code", "10000")

	pre := m.Call("alipay.trade.precreate", `{"out_trade_no":"SCAN1","total_amount":"1.00","subject":"s"}`)
	qr, _ := pre["qr_code"].(string)
	for _, action := range []string{"scan", "fail"} {
		for i := 0; i < 2*trade.MaxBuyerEvents; i++ {
			resp, err := http.PostForm(qr, url.Values{"action": {action}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
	}
	var tr struct {
		Status  string `json:"trade_status"`
		History []struct {
			Type string `json:"type"`
		} `json:"history"`
	}
	m.ControlJSON(http.MethodGet, "/trades/SCAN1?app_id="+keys.DevAppID, nil, http.StatusOK, &tr)
	counts := map[string]int{}
	for _, e := range tr.History {
		counts[e.Type]++
	}
	if tr.Status != "WAIT_BUYER_PAY" || counts["scanned"] != 1 || counts["scanned"]+counts["payment_failed"] > trade.MaxBuyerEvents {
		t.Fatalf("after %d scans and as many failures: %s, events %v", 2*trade.MaxBuyerEvents, tr.Status, counts)
	}
}

// A barcode pay waiting for the buyer's password (10003) posted again and
// again stays one trade of bounded size: a repeat with the same auth_code
// answers 10003 as the first did and records nothing, one with another
// buyer's code is ACQ.TRADE_BUYER_NOT_MATCH (inferred) and changes nothing,
// and repeated cancels record the close once. Each repeat used to add a
// "paying" event and, with a new code, a new buyer.
func TestRepeatedWaitingBarcodePayKeepsTheTradeBounded(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	const n = 3 * trade.MaxBuyerEvents
	const first = "283912345678901234"
	pay := func(code string) map[string]any {
		return m.Call("alipay.trade.pay", `{"out_trade_no":"PW1","scene":"bar_code","auth_code":"`+code+`","total_amount":"5000.00","subject":"s"}`)
	}
	r := pay(first)
	expect(t, r, "code", "10003")
	buyer, _ := r["buyer_user_id"].(string)
	if buyer == "" {
		t.Fatalf("the first pay names no buyer: %v", r)
	}
	for i := 0; i < n; i++ {
		expect(t, pay(first), "code", "10003", "buyer_user_id", buyer)
		expect(t, pay(fmt.Sprintf("28%016d", i)), "code", "40004", "sub_code", "ACQ.TRADE_BUYER_NOT_MATCH")
	}
	var tr struct {
		Buyer struct {
			ID string `json:"buyer_id"`
		} `json:"buyer"`
		History []struct {
			Type string `json:"type"`
		} `json:"history"`
	}
	m.ControlJSON(http.MethodGet, "/trades/PW1?app_id="+keys.DevAppID, nil, http.StatusOK, &tr)
	if len(tr.History) != 2 || tr.Buyer.ID != buyer {
		t.Fatalf("after %d repeats of one waiting barcode pay: buyer %s (was %s), events %+v", 2*n, tr.Buyer.ID, buyer, tr.History)
	}
	for i := 0; i < n; i++ {
		expect(t, m.Call("alipay.trade.cancel", `{"out_trade_no":"PW1"}`), "code", "10000", "action", "close")
	}
	m.ControlJSON(http.MethodGet, "/trades/PW1?app_id="+keys.DevAppID, nil, http.StatusOK, &tr)
	if len(tr.History) != 3 {
		t.Fatalf("after %d cancels: events %+v", n, tr.History)
	}
}

// A QR code's picture is drawn from a URL made with the Host header: one
// too long to draw is a 400 that says so, not a bare 500.
func TestQRPictureOfAnOverlongHost(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	pre := m.Call("alipay.trade.precreate", `{"out_trade_no":"QRH1","total_amount":"1.00","subject":"s"}`)
	qr, _ := pre["qr_code"].(string)
	req, _ := http.NewRequest(http.MethodGet, qr+".png", nil)
	req.Host = strings.Repeat("a", 3000)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("GET %s.png with a 3,000-character Host: %s", qr, resp.Status)
	}
}
