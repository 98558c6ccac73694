package client_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
)

// FuzzNotification: VerifyNotification never panics on any POST body and
// verifies only what the mock's signer signed: whatever it accepts has,
// as its string to sign, one of the signed contents of the corpus seeds
// (f.Add below).
//
//	go test ./client -run '^$' -fuzz '^FuzzNotification$' -fuzztime 10s
func FuzzNotification(f *testing.F) {
	alipay := keys.DevAlipayPrivateKey()
	c, err := client.New(client.Config{GatewayURL: "http://127.0.0.1:1/gateway.do", AppID: keys.DevAppID,
		PrivateKeyRSA: keys.DevAppPrivateKey(), AlipayPublicKeyRSA: &alipay.PublicKey})
	if err != nil {
		f.Fatal(err)
	}
	signed := map[string]bool{}
	var bodies []string
	add := func(p map[string]string, cs sign.Charset) {
		if err := sign.SignNotify(p, alipay, sign.RSA2, cs); err != nil {
			f.Fatal(err)
		}
		body, err := sign.EncodeForm(p, cs)
		if err != nil {
			f.Fatal(err)
		}
		signed[sign.NotifyContent(p)] = true
		f.Add([]byte(body), "application/x-www-form-urlencoded")
		bodies = append(bodies, body)
	}
	base := func(cs string) map[string]string {
		return map[string]string{
			"notify_id": "2026112300222100000000000000000001", "notify_type": "trade_status_sync",
			"notify_time": "2026-11-23 10:00:05", "app_id": keys.DevAppID, "charset": cs, "version": "1.0",
			"trade_no": "2026112322001400000000000001", "out_trade_no": "N1", "trade_status": "TRADE_SUCCESS",
			"total_amount": "9.90", "receipt_amount": "9.90", "buyer_id": "2088000000000001", "subject": "商品",
			"fund_bill_list": `[{"amount":"9.90","fundChannel":"ALIPAYACCOUNT"}]`,
		}
	}
	add(base("utf-8"), sign.UTF8)
	add(base("gbk"), sign.GBK)
	other := base("utf-8")
	other["app_id"] = "2021000000000000" // signed, but for another app: refused
	add(other, sign.UTF8)
	delete(signed, sign.NotifyContent(other))
	bad := base("utf-8")
	bad["total_amount"] = "x"
	add(bad, sign.UTF8)
	// The oracle has teeth: the two good seeds verify.
	for _, b := range bodies[:2] {
		req := httptest.NewRequest(http.MethodPost, "/notify", strings.NewReader(b))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if _, err := c.VerifyNotification(req); err != nil {
			f.Fatalf("valid seed does not verify: %v", err)
		}
	}
	f.Add([]byte("sign=abc&charset=utf-8"), "application/x-www-form-urlencoded")
	f.Add([]byte("%zz"), "application/x-www-form-urlencoded")
	f.Add([]byte("charset=gbk&a=%FF"), "")
	f.Add([]byte("--x\r\nbroken"), "multipart/form-data; boundary=x")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		req := httptest.NewRequest(http.MethodPost, "/notify", strings.NewReader(string(body)))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		n, err := c.VerifyNotification(req)
		if err != nil {
			return
		}
		flat := map[string]string{}
		for k, v := range n.Values {
			flat[k] = v[0]
		}
		if !signed[sign.NotifyContent(flat)] {
			t.Fatalf("verified a notification the mock did not sign: %q", body)
		}
	})
}
