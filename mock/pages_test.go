package mock_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
)

// pageText fetches a buyer page (following the gateway's redirect) and
// returns its final URL and body.
func pageText(t *testing.T, method, u string, form url.Values) (string, string) {
	t.Helper()
	return pageWithStatus(t, http.StatusOK, method, u, form)
}

func pageWithStatus(t *testing.T, status int, method, u string, form url.Values) (string, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = http.PostForm(u, form)
	} else {
		resp, err = http.Get(u)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("%s %s: HTTP %d %s", method, u, resp.StatusCode, b)
	}
	return resp.Request.URL.String(), string(b)
}

// The buyer pages speak Chinese with English beside it, and the red packet
// cashier calls the person paying the sender, never the buyer (买家).
func TestBuyerPagesAreBilingual(t *testing.T) {
	srv := mock.NewTestServer(t, mock.Options{FundPublicKey: true})
	c, err := client.New(srv.DevClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	pre, err := c.Precreate(context.Background(), client.PrecreateRequest{Order: client.Order{OutTradeNo: "BILINGUAL-QR",
		TotalAmount: amount.MustParse("5.00"), Subject: "奶茶"}})
	if err != nil {
		t.Fatal(err)
	}
	cashier, err := c.PagePayURL(client.PagePayRequest{Order: client.Order{OutTradeNo: "BILINGUAL-PAGE",
		TotalAmount: amount.MustParse("6.00"), Subject: "书"}})
	if err != nil {
		t.Fatal(err)
	}
	packet, err := c.CouponPagePayURL(client.CouponPagePayRequest{CouponOrder: client.CouponOrder{OutOrderNo: "BILINGUAL-RP",
		OutRequestNo: "BILINGUAL-RP-pay", OrderTitle: "红包", Amount: amount.MustParse("8.00")}})
	if err != nil {
		t.Fatal(err)
	}
	_, qr := pageText(t, http.MethodGet, pre.QRCode, nil)
	cashierURL, page := pageText(t, http.MethodGet, cashier, nil)
	packetURL, rp := pageText(t, http.MethodGet, packet, nil)
	_, scanned := pageText(t, http.MethodPost, pre.QRCode, url.Values{"action": {"scan"}})
	_, paid := pageText(t, http.MethodPost, cashierURL, url.Values{"action": {"pay"}})
	_, rpPaid := pageText(t, http.MethodPost, packetURL, url.Values{"action": {"pay"}, "buyer_id": {"2088000000000009"}, "buyer_logon_id": {"sender@example.com"}})
	_, missing := pageWithStatus(t, http.StatusNotFound, http.MethodGet, srv.URL()+"/cashier/nothing-here", nil)
	for _, tc := range []struct {
		name, body string
		want, not  []string
	}{
		{"qr", qr, []string{"扫码支付", "Scan to pay", `id="amount">¥5.00</p>`, `id="status">WAIT_BUYER_PAY</span>`, "买家账号", "Buyer's account", "Amount due"}, nil},
		{"qr scanned", scanned, []string{`id="message">已扫码</p>`, "QR code scanned"}, nil},
		{"cashier", page, []string{"支付宝收银台", "Alipay cashier", "确认付款", ">Pay<", "取消支付", ">Cancel<", `id="fail"`}, nil},
		{"cashier paid", paid, []string{`id="message">支付成功</p>`, "Payment successful", `id="status">TRADE_SUCCESS</span>`, "Nothing left to do"}, []string{`id="pay"`}},
		{"red packet", rp, []string{"红包支付", "Pay a red packet", "发红包人账号", "Sender's account", "Act as the sender"}, []string{"买家", "Buyer", "the buyer", `id="fail"`}},
		{"red packet paid", rpPaid, []string{`id="message">支付成功</p>`, "Payment successful", "发红包人 <span", ">Sender</span>", "2088000000000009"}, []string{"买家", "付款人", "Payer", "Buyer"}},
		{"missing", missing, []string{"订单不存在或已失效", "The order does not exist or is no longer valid"}, nil},
	} {
		for _, w := range tc.want {
			if !strings.Contains(tc.body, w) {
				t.Errorf("%s: no %q in %s", tc.name, w, tc.body)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(tc.body, n) {
				t.Errorf("%s: %q should not be on the page", tc.name, n)
			}
		}
	}
}

// The QR page checks its token before anything else: a POST to an
// unknown token, whatever its action, and a path that climbs out of /qr/
// answer the missing order page with 404, never an order page (nor one
// whose image is another path).
func TestUnknownQRTokenIsTheMissingPage(t *testing.T) {
	h := newHarness(t, mock.Options{})
	for _, c := range []struct{ method, path, action string }{
		{http.MethodPost, "/qr/bax0nothing", "dance"},
		{http.MethodPost, "/qr/bax0nothing", "pay"},
		{http.MethodPost, "/qr/bax0nothing", ""},
		{http.MethodGet, "/qr/../_mock/reset", ""},
		{http.MethodPost, "/qr/../_mock/reset", "dance"},
	} {
		req := httptest.NewRequest(c.method, "http://127.0.0.1"+c.path, strings.NewReader(url.Values{"action": {c.action}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = "127.0.0.1:40000"
		w := httptest.NewRecorder()
		h.srv.ServeHTTP(w, req)
		if body := w.Body.String(); w.Code != http.StatusNotFound || !strings.Contains(body, "订单不存在或已失效") || strings.Contains(body, ".png") {
			t.Errorf("%s %s action=%q: HTTP %d, want 404 and the missing order page:\n%.300s", c.method, c.path, c.action, w.Code, body)
		}
	}
}
