package client_test

import (
	"context"
	"crypto/rsa"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
)

// paymentNotice is a trade_status_sync notice shaped like production's.
func paymentNotice() map[string]string {
	return map[string]string{
		"notify_time":      "2024-05-01 12:00:05",
		"notify_type":      "trade_status_sync",
		"notify_id":        "2024050100222120005012345678",
		"app_id":           keys.DevAppID,
		"auth_app_id":      keys.DevAppID,
		"charset":          "utf-8",
		"version":          "1.0",
		"sign_type":        "RSA2",
		"trade_no":         "2024050122001400001000000001",
		"out_trade_no":     "o1",
		"trade_status":     "TRADE_SUCCESS",
		"total_amount":     "88.00",
		"receipt_amount":   "88.00",
		"buyer_pay_amount": "88.00",
		"buyer_id":         "2088102000000001",
		"buyer_logon_id":   "hfj***@sandbox.com",
		"seller_id":        "2088102000000002",
		"subject":          "测试商品",
		"gmt_payment":      "2024-05-01 12:00:04",
		"fund_bill_list":   `[{"amount":"88.00","fundChannel":"ALIPAYACCOUNT"}]`,
		"passback_params":  "a%3D1",
	}
}

// signNotice signs params as Alipay does: sign_type and sign left out,
// bytes in the notice's charset.
func signNotice(t testing.TB, p map[string]string, k *rsa.PrivateKey) {
	t.Helper()
	cs, err := sign.ParseCharset(p["charset"])
	if err != nil {
		t.Fatal(err)
	}
	st, err := sign.ParseType(p["sign_type"])
	if err != nil {
		st = sign.RSA2
	}
	s, err := sign.SignString(k, st, cs, sign.NotifyContent(p))
	if err != nil {
		t.Fatal(err)
	}
	p["sign"] = s
}

// encodeForm percent-encodes params in their charset.
func encodeForm(t testing.TB, p map[string]string) string {
	t.Helper()
	cs, err := sign.ParseCharset(p["charset"])
	if err != nil {
		t.Fatal(err)
	}
	v := url.Values{}
	for k, s := range p {
		b, err := cs.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		v.Set(k, string(b))
	}
	return v.Encode()
}

func postNotice(t testing.TB, target string, p map[string]string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(encodeForm(t, p)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset="+p["charset"])
	return r
}

func TestVerifyNotification(t *testing.T) {
	c := newClient(t, client.SandboxGateway, nil)
	tests := []struct {
		name    string
		edit    func(p map[string]string) // before signing
		signer  *rsa.PrivateKey           // default: the Alipay key
		after   func(p map[string]string) // after signing
		target  string
		wantErr error
	}{
		{name: "utf-8"},
		{name: "gbk", edit: func(p map[string]string) { p["charset"] = "gbk" }},
		{name: "GBK upper case", edit: func(p map[string]string) { p["charset"] = "GBK" }},
		{name: "RSA sign type", edit: func(p map[string]string) { p["sign_type"] = "RSA" }},
		{name: "merchant query in notify_url is not signed", target: "/notify?shop=1"},
		{name: "sign_type is not signed", after: func(p map[string]string) { p["sign_type"] = "RSA2" }},
		{name: "empty values are not signed", after: func(p map[string]string) { p["body"] = "" }},
		{name: "tampered amount", after: func(p map[string]string) { p["total_amount"] = "0.01" }, wantErr: sign.ErrBadSignature},
		{name: "extra param", after: func(p map[string]string) { p["x"] = "1" }, wantErr: sign.ErrBadSignature},
		{name: "signed by the app key", signer: keys.DevAppPrivateKey(), wantErr: sign.ErrBadSignature},
		{name: "no sign", after: func(p map[string]string) { delete(p, "sign") }, wantErr: client.ErrUnsigned},
		{name: "wrong sign_type", after: func(p map[string]string) { p["sign_type"] = "RSA" }, wantErr: sign.ErrBadSignature},
		{name: "another app", edit: func(p map[string]string) { p["app_id"] = "2021000000000000" }, wantErr: client.ErrOtherApp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := paymentNotice()
			if tt.edit != nil {
				tt.edit(p)
			}
			signer := tt.signer
			if signer == nil {
				signer = keys.DevAlipayPrivateKey()
			}
			signNotice(t, p, signer)
			if tt.after != nil {
				tt.after(p)
			}
			target := tt.target
			if target == "" {
				target = "/notify"
			}
			n, err := c.VerifyNotification(postNotice(t, target, p))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.TradeStatus != client.TradeSuccess || !n.Paid() || n.TotalAmount != amount.MustParse("88") ||
				n.Subject != "测试商品" || n.OutTradeNo != "o1" || n.BuyerID != "2088102000000001" ||
				n.NotifyID != p["notify_id"] || n.PassbackParams != "a%3D1" {
				t.Errorf("notification = %+v", n)
			}
			if n.Values.Get("subject") != "测试商品" || n.Values.Get("shop") != "" {
				t.Errorf("Values = %v", n.Values)
			}
			bills, err := n.FundBills()
			if err != nil || len(bills) != 1 || bills[0].FundChannel != "ALIPAYACCOUNT" || bills[0].Amount != 8800 {
				t.Errorf("FundBills = %+v, %v", bills, err)
			}
		})
	}
}

// Alipay has been reported to send notifications with a malformed
// Content-Type (docs/differences.md): its parameters do not parse, but the
// form does, and the notification is Alipay's.
func TestVerifyNotificationAcceptsTheReportedMalformedContentType(t *testing.T) {
	c := newClient(t, client.SandboxGateway, nil)
	for _, ct := range []string{
		"application/x-www-form-urlencoded; text/html; charset=UTF-8",
		"application/x-www-form-urlencoded; text/html; charset=utf-8",
	} {
		p := paymentNotice()
		signNotice(t, p, keys.DevAlipayPrivateKey())
		r := postNotice(t, "/notify", p)
		r.Header.Set("Content-Type", ct)
		n, err := c.VerifyNotification(r)
		if err != nil {
			t.Fatalf("Content-Type %q: %v", ct, err)
		}
		if n.OutTradeNo != p["out_trade_no"] {
			t.Errorf("Content-Type %q: out_trade_no %q, want %q", ct, n.OutTradeNo, p["out_trade_no"])
		}
	}
}

func TestVerifyReturn(t *testing.T) {
	c := newClient(t, client.SandboxGateway, nil)
	p := map[string]string{
		"charset": "GBK", "out_trade_no": "o1", "method": "alipay.trade.page.pay.return", "total_amount": "1.00",
		"trade_no": "2024050122001400001000000001", "auth_app_id": keys.DevAppID, "version": "1.0",
		"app_id": keys.DevAppID, "sign_type": "RSA2", "seller_id": "2088102000000002", "timestamp": "2024-05-01 12:00:06",
		"subject": "书",
	}
	signNotice(t, p, keys.DevAlipayPrivateKey())
	r := httptest.NewRequest(http.MethodGet, "/return?"+encodeForm(t, p), nil)
	v, err := c.VerifyReturn(r)
	if err != nil {
		t.Fatal(err)
	}
	if v.Get("subject") != "书" || v.Get("trade_no") != p["trade_no"] {
		t.Errorf("values = %v", v)
	}

	p["total_amount"] = "100.00"
	r = httptest.NewRequest(http.MethodGet, "/return?"+encodeForm(t, p), nil)
	if _, err := c.VerifyReturn(r); !errors.Is(err, sign.ErrBadSignature) {
		t.Errorf("tampered return: err = %v", err)
	}
}

func TestNotifyHandler(t *testing.T) {
	c := newClient(t, client.SandboxGateway, nil)
	good := paymentNotice()
	signNotice(t, good, keys.DevAlipayPrivateKey())
	forged := paymentNotice()
	signNotice(t, forged, keys.DevAppPrivateKey())

	tests := []struct {
		name       string
		notice     map[string]string
		handlerErr error
		want       string
		wantCalled bool
	}{
		{"handled", good, nil, "success", true},
		{"handler fails", good, errors.New("db down"), "fail", true},
		{"forged", forged, nil, "fail", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			h := c.NotifyHandler(func(ctx context.Context, n *client.Notification) error {
				called = true
				if n.OutTradeNo != "o1" {
					t.Errorf("out_trade_no = %q", n.OutTradeNo)
				}
				return tt.handlerErr
			})
			w := httptest.NewRecorder()
			h.ServeHTTP(w, postNotice(t, "/notify", tt.notice))
			body, _ := io.ReadAll(w.Result().Body)
			if string(body) != tt.want || called != tt.wantCalled {
				t.Errorf("body %q called %v, want %q %v", body, called, tt.want, tt.wantCalled)
			}
		})
	}
}

func TestVerifyNotificationRefusesRepeatedParameters(t *testing.T) {
	c, err := client.New(client.Config{GatewayURL: "http://127.0.0.1/gateway.do", AppID: "9021000100000001",
		PrivateKeyRSA: keys.DevAppPrivateKey(), AlipayPublicKeyRSA: &keys.DevAlipayPrivateKey().PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	p := map[string]string{"app_id": "9021000100000001", "out_trade_no": "R1", "total_amount": "100.00",
		"trade_status": "TRADE_SUCCESS", "charset": "utf-8", "notify_type": "trade_status_sync"}
	if err := sign.SignNotify(p, keys.DevAlipayPrivateKey(), sign.RSA2, sign.UTF8); err != nil {
		t.Fatal(err)
	}
	body, _ := sign.EncodeForm(p, sign.UTF8)
	for _, tc := range []struct {
		body string
		ok   bool
	}{{body, true}, {body + "&total_amount=0.01", false}} {
		req := httptest.NewRequest(http.MethodPost, "/notify", strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		_, err := c.VerifyNotification(req)
		if (err == nil) != tc.ok {
			t.Errorf("ok=%v: err %v", tc.ok, err)
		}
	}
}
