package sdktest

import (
	"context"
	"strings"
	"testing"

	"github.com/smartwalle/alipay/v3"

	"github.com/alipay-mock/alipay-mock/keys"
)

// Content encryption (接口内容加密) with smartwalle: an app registered with
// an AES key, every request's biz_content encrypted, every answer's node
// encrypted by the mock, decrypted and verified by the SDK.

const (
	aesAppID = "2021004100000071"
	aesKey   = "aa4BtZ4tspm2wnXLb1ThQA=="
)

func TestSmartwalleAES(t *testing.T) {
	t.Parallel()
	m := startMock(t)
	status, body := m.control(t, "POST", "/_mock/apps", map[string]string{
		"app_id": aesAppID, "public_key": string(keys.DevFile("app_public_key.pem")), "encrypt_key": aesKey,
	})
	if status != 201 {
		t.Fatalf("registering the AES app: %d %s", status, body)
	}
	dev := devCredentials()
	c, err := alipay.New(aesAppID, dev.AppPrivateKeyPKCS1PEM, false, alipay.WithSandboxGateway(m.Gateway))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.LoadAliPayPublicKey(dev.AlipayPublicKeyBase64); err != nil {
		t.Fatal(err)
	}
	if err := c.SetEncryptKey(aesKey); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	f := newFlow(t, m)
	no := newID("AES")
	pre, err := c.TradePreCreate(ctx, alipay.TradePreCreate{Trade: alipay.Trade{OutTradeNo: no, TotalAmount: "1.00", Subject: "加密 order"}})
	if err != nil || !pre.IsSuccess() || pre.OutTradeNo != no {
		t.Fatalf("precreate: %+v %v%s", pre, err, f.wire())
	}
	// Both ways encrypted: the request says encrypt_type=AES, and the
	// answer's node is a string (the ciphertext), not an object.
	if e, _ := m.wire.last(); e.Form.Get("encrypt_type") != "AES" || !strings.HasPrefix(e.Response, `{"alipay_trade_precreate_response":"`) {
		t.Fatalf("precreate was not encrypted both ways%s", f.wire())
	}
	m.scan(t, no)
	m.pay(t, no)
	q, err := c.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: no})
	if err != nil || q.TradeStatus != alipay.TradeStatusSuccess {
		t.Fatalf("query: %+v %v%s", q, err, f.wire())
	}
	missing, err := c.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: no + "X"})
	if err != nil || missing.SubCode != "ACQ.TRADE_NOT_EXIST" {
		t.Fatalf("query of a missing trade: %+v %v%s", missing, err, f.wire())
	}
	rf, err := c.TradeRefund(ctx, alipay.TradeRefund{OutTradeNo: no, RefundAmount: "0.50", OutRequestNo: no + "R"})
	if err != nil || !rf.IsSuccess() || rf.RefundFee != "0.50" {
		t.Fatalf("refund: %+v %v%s", rf, err, f.wire())
	}
}
