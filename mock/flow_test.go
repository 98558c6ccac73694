package mock_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// The face-to-face (当面付) polling flow: precreate, poll query every 5 s
// while the buyer has not paid, and cancel when polling gives up.
func TestPollingFlowThenCancel(t *testing.T) {
	// The guide's flow, where query sees the trade before a scan
	// (--show-unscanned); production's is in unscanned_test.go.
	h := newHarness(t, mock.Options{Trades: trade.Options{ShowUnscanned: true}})
	expect(t, h.call("alipay.trade.precreate", `{"out_trade_no":"POLL1","total_amount":"9.90","subject":"s"}`), "code", "10000")
	for i := 0; i < 3; i++ {
		h.clock.Advance(5 * time.Second)
		expect(t, h.call("alipay.trade.query", `{"out_trade_no":"POLL1"}`), "trade_status", "WAIT_BUYER_PAY")
	}
	m := h.call("alipay.trade.cancel", `{"out_trade_no":"POLL1"}`)
	expect(t, m, "code", "10000", "action", "close", "retry_flag", "N")
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"POLL1"}`), "trade_status", "TRADE_CLOSED")
	// The buyer can no longer pay a cancelled order.
	h.control("POST", "/trades/POLL1/pay", "", http.StatusConflict)
}

func TestSeedPollingFlowUntilPaid(t *testing.T) {
	h := newHarness(t, mock.Options{})
	h.call("alipay.trade.precreate", `{"out_trade_no":"POLL2","total_amount":"9.90","subject":"s"}`)
	h.clock.Advance(5 * time.Second)
	// The buyer who scans is the trade's: only that one pays it.
	h.control("POST", "/trades/POLL2/scan", `{"buyer_logon_id":"13800138000","buyer_id":"2088000000000001"}`, http.StatusOK)
	m := h.call("alipay.trade.query", `{"out_trade_no":"POLL2"}`)
	expect(t, m, "trade_status", "WAIT_BUYER_PAY")
	if m["buyer_logon_id"] == nil {
		t.Error("after the scan the buyer is known")
	}
	tr := h.control("POST", "/trades/POLL2/pay", `{"buyer_logon_id":"13800138000","buyer_id":"2088000000000001"}`, http.StatusOK)
	if tr["trade_status"] != "TRADE_SUCCESS" {
		t.Fatalf("control pay: %v", tr)
	}
	m = h.call("alipay.trade.query", `{"out_trade_no":"POLL2"}`)
	expect(t, m, "trade_status", "TRADE_SUCCESS", "buyer_logon_id", "138****8000", "buyer_user_id", "2088000000000001",
		"total_amount", "9.90", "receipt_amount", "9.90", "send_pay_date", "2026-11-23 10:00:05")
	// cancel of a paid trade refunds it in full
	expect(t, h.call("alipay.trade.cancel", `{"out_trade_no":"POLL2"}`), "action", "refund")
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"POLL2"}`), "trade_status", "TRADE_CLOSED")
}

func TestRefundRules(t *testing.T) {
	h := newHarness(t, mock.Options{})
	h.call("alipay.trade.pay", `{"out_trade_no":"RF","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`)
	r := h.call("alipay.trade.refund", `{"out_trade_no":"RF","refund_amount":"3.00","out_request_no":"A"}`)
	expect(t, r, "fund_change", "Y", "refund_fee", "3.00")
	r = h.call("alipay.trade.refund", `{"out_trade_no":"RF","refund_amount":"3.00","out_request_no":"A"}`)
	expect(t, r, "code", "10000", "fund_change", "N", "refund_fee", "3.00")
	expect(t, h.call("alipay.trade.refund", `{"out_trade_no":"RF","refund_amount":"4.00","out_request_no":"A"}`), "sub_code", "ACQ.DISCORDANT_REPEAT_REQUEST")
	expect(t, h.call("alipay.trade.refund", `{"out_trade_no":"RF","refund_amount":"7.01","out_request_no":"B"}`), "sub_code", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL")
	expect(t, h.call("alipay.trade.refund", `{"out_trade_no":"RF","refund_amount":"7.00","out_request_no":"B"}`), "refund_fee", "10.00")
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"RF"}`), "trade_status", "TRADE_CLOSED")
	q := h.call("alipay.trade.fastpay.refund.query", `{"out_trade_no":"RF","out_request_no":"B","query_options":["gmt_refund_pay"]}`)
	expect(t, q, "refund_status", "REFUND_SUCCESS", "refund_amount", "7.00", "gmt_refund_pay", "2026-11-23 10:00:00")
	q = h.call("alipay.trade.fastpay.refund.query", `{"out_trade_no":"RF","out_request_no":"nope"}`)
	expect(t, q, "code", "10000")
	if _, ok := q["refund_status"]; ok {
		t.Error("an unknown refund has no refund_status")
	}
}

// Production's two answers to a refund that does not fit the trade, quoted
// in https://developer.aliyun.com/article/707486: with an out_request_no
// and more than the total, ACQ.REASON_TRADE_REFUND_FEE_ERR; without one and
// not the total, ACQ.REFUND_AMT_NOT_EQUAL_TOTAL 撤销或退款金额与订单金额不一致.
func TestRefundOverTotalSubCodes(t *testing.T) {
	h := newHarness(t, mock.Options{})
	expect(t, h.call("alipay.trade.pay", `{"out_trade_no":"RFT","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`), "code", "10000")
	r := h.call("alipay.trade.refund", `{"out_trade_no":"RFT","refund_amount":"10.01","out_request_no":"R1"}`)
	expect(t, r, "code", "40004", "sub_code", "ACQ.REASON_TRADE_REFUND_FEE_ERR")
	r = h.call("alipay.trade.refund", `{"out_trade_no":"RFT","refund_amount":"1.00"}`)
	expect(t, r, "sub_code", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "sub_msg", "撤销或退款金额与订单金额不一致")
}

func TestBarcodePasswordFlow(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := h.call("alipay.trade.pay", `{"out_trade_no":"BIG","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1500.00","subject":"s"}`)
	expect(t, m, "code", "10003", "msg", " order success pay inprocess", "receipt_amount", "0.00")
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"BIG"}`), "trade_status", "WAIT_BUYER_PAY")
	h.control("POST", "/trades/"+m["trade_no"].(string)+"/pay", "", http.StatusOK)
	expect(t, h.call("alipay.trade.query", `{"trade_no":"`+m["trade_no"].(string)+`"}`), "trade_status", "TRADE_SUCCESS", "receipt_amount", "1500.00")
}

func TestTradeExpiresOnTheClock(t *testing.T) {
	h := newHarness(t, mock.Options{Trades: trade.Options{ShowUnscanned: true}}) // queries before any scan
	h.call("alipay.trade.precreate", `{"out_trade_no":"EXP","total_amount":"1.00","subject":"s","timeout_express":"5m"}`)
	h.clock.Advance(4 * time.Minute)
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"EXP"}`), "trade_status", "WAIT_BUYER_PAY")
	h.clock.Advance(time.Minute)
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"EXP"}`), "trade_status", "TRADE_CLOSED")
	expect(t, h.call("alipay.trade.precreate", `{"out_trade_no":"EXP","total_amount":"1.00","subject":"s"}`), "sub_code", "ACQ.TRADE_HAS_CLOSE")
	h.call("alipay.trade.precreate", `{"out_trade_no":"EXP2","total_amount":"1.00","subject":"s","time_expire":"2026-11-23 10:30:00"}`)
	h.clock.Advance(30 * time.Minute)
	expect(t, h.call("alipay.trade.close", `{"out_trade_no":"EXP2"}`), "sub_code", "ACQ.TRADE_STATUS_ERROR")
}

func TestControlAPI(t *testing.T) {
	h := newHarness(t, mock.Options{})
	if m := h.control("GET", "/health", "", http.StatusOK); m["status"] != "ok" {
		t.Fatal(m)
	}
	h.call("alipay.trade.precreate", `{"out_trade_no":"C1","total_amount":"1.00","subject":"s"}`)
	tr := h.control("GET", "/trades/C1", "", http.StatusOK)
	if tr["trade_status"] != "WAIT_BUYER_PAY" || tr["total_amount"] != "1.00" {
		t.Fatal(tr)
	}
	h.control("POST", "/trades/"+tr["trade_no"].(string)+"/fail", "", http.StatusOK)
	h.control("POST", "/trades/C1/close", "", http.StatusOK)
	h.control("POST", "/trades/C1/pay", "", http.StatusConflict)
	h.control("POST", "/trades/C1/dance", "", http.StatusNotFound)
	h.control("GET", "/trades/none", "", http.StatusNotFound)
	h.control("POST", "/reset?app_id=9021000100000001", "", http.StatusOK)
	h.control("GET", "/trades/C1", "", http.StatusNotFound)
	h.control("POST", "/reset?app_id=1234567890123456", "", http.StatusNotFound)
	h.control("POST", "/apps", `{"app_id":"2021000000000009","public_key":"not a key"}`, http.StatusBadRequest)

	resp, err := http.Get(h.http.URL + "/_mock/alipay-public-key")
	if err != nil {
		t.Fatal(err)
	}
	pem := h.read(resp)
	if !strings.HasPrefix(string(pem), "-----BEGIN PUBLIC KEY-----") {
		t.Errorf("public key: %s", pem)
	}
}

// page.pay: the SDK's form lands on the gateway, the browser goes to the
// cashier, the buyer pays, and the browser returns to return_url with
// parameters whose signature verifies.
func TestPagePayCashierReturn(t *testing.T) {
	h := newHarness(t, mock.Options{})
	var got url.Values
	merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.URL.Query() }))
	defer merchant.Close()
	p := h.params("alipay.trade.page.pay", `{"out_trade_no":"PP1","total_amount":"66.00","subject":"书","product_code":"FAST_INSTANT_TRADE_PAY"}`,
		func(p map[string]string) { p["return_url"] = merchant.URL + "/return" })
	resp, err := http.PostForm(h.http.URL+"/gateway.do?charset=utf-8", form(p))
	if err != nil {
		t.Fatal(err)
	}
	page := string(h.read(resp))
	if !strings.Contains(page, "66.00") || !strings.Contains(page, "PP1") {
		t.Fatalf("cashier page: %s", page)
	}
	cashier := resp.Request.URL.String()
	resp, err = http.PostForm(cashier, url.Values{"action": {"pay"}})
	if err != nil {
		t.Fatal(err)
	}
	h.read(resp)
	if got.Get("method") != "alipay.trade.page.pay.return" || got.Get("total_amount") != "66.00" {
		t.Fatalf("return params: %v", got)
	}
	params := map[string]string{}
	for k := range got {
		params[k] = got.Get(k)
	}
	if err := sign.VerifyString(h.srv.AlipayPublicKey(), sign.RSA2, sign.UTF8, sign.NotifyContent(params), got.Get("sign")); err != nil {
		t.Fatal("return_url signature does not verify")
	}
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"PP1"}`), "trade_status", "TRADE_SUCCESS")

	// An invalid signature on a page method is an HTML error page, as in production.
	p["sign"] = "AAAA"
	resp, err = http.PostForm(h.http.URL+"/gateway.do", form(p))
	if err != nil {
		t.Fatal(err)
	}
	if page := string(h.read(resp)); !strings.Contains(page, "错误代码 invalid-signature") {
		t.Errorf("page error: %s", page)
	}
	// So are the errors found before the method is checked: an unknown app.
	p["app_id"] = "2021000000000000"
	resp, err = http.PostForm(h.http.URL+"/gateway.do", form(p))
	if err != nil {
		t.Fatal(err)
	}
	if page := string(h.read(resp)); !strings.Contains(page, "错误代码 invalid-app-id") {
		t.Errorf("page error for an unknown app: %s", page)
	}
}

func TestQRPage(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := h.call("alipay.trade.precreate", `{"out_trade_no":"QR1","total_amount":"5.00","subject":"奶茶"}`)
	qr := m["qr_code"].(string)
	resp, err := http.Get(qr)
	if err != nil {
		t.Fatal(err)
	}
	if page := string(h.read(resp)); !strings.Contains(page, "奶茶") || !strings.Contains(page, "5.00") {
		t.Fatalf("QR page: %s", page)
	}
	resp, err = http.PostForm(qr, url.Values{"action": {"pay"}})
	if err != nil {
		t.Fatal(err)
	}
	h.read(resp)
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"QR1"}`), "trade_status", "TRADE_SUCCESS")
}

func TestAppPayOrderString(t *testing.T) {
	h := newHarness(t, mock.Options{})
	p := h.params("alipay.trade.app.pay", `{"out_trade_no":"APP1","total_amount":"8.00","subject":"s","product_code":"QUICK_MSECURITY_PAY"}`,
		func(p map[string]string) { p["notify_url"] = "http://merchant.test/notify" })
	order := form(p).Encode()
	tr := h.control("POST", "/app-pay", `{"order_string":"`+order+`","action":"pay"}`, http.StatusOK)
	if tr["trade_status"] != "TRADE_SUCCESS" || tr["notify_url"] != "http://merchant.test/notify" {
		t.Fatalf("app pay: %v", tr)
	}
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"APP1"}`), "trade_status", "TRADE_SUCCESS", "total_amount", "8.00")
	p["sign"] = "AAAA"
	bad := h.control("POST", "/app-pay", `{"order_string":"`+form(p).Encode()+`"}`, http.StatusBadRequest)
	if bad["sub_code"] != "isv.invalid-signature" {
		t.Errorf("tampered order string: %v", bad)
	}
}

func TestQRCodePNG(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := h.call("alipay.trade.precreate", `{"out_trade_no":"PNG1","total_amount":"5.00","subject":"s"}`)
	resp, err := http.Get(m["qr_code"].(string) + ".png?size=128")
	if err != nil {
		t.Fatal(err)
	}
	img := h.read(resp)
	if resp.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(string(img), "\x89PNG") {
		t.Fatalf("not a PNG: %s %q", resp.Header.Get("Content-Type"), img[:8])
	}
	resp, _ = http.Get(h.http.URL + "/qr/bax0nothing.png")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown QR: %d", resp.StatusCode)
	}
	resp.Body.Close()
}
