package sdktest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	mockclient "github.com/alipay-mock/alipay-mock/client"
	gopay "github.com/go-pay/gopay/alipay"
	"github.com/go-pay/gopay/pkg/xhttp"
	"github.com/smartwalle/alipay/v3"

	"github.com/alipay-mock/alipay-mock/keys"
)

// Certificate mode (公钥证书) with unmodified SDKs: the app is registered at
// the mock with the shipped app certificate, the SDKs load the three
// certificate files, send app_cert_sn and alipay_root_cert_sn, and check
// alipay_cert_sn and the signature of every answer they verify.

const certAppID = "9021000100000008" // not the shipped certificate-mode dev app, which it would replace

func registerCertApp(t *testing.T, m *mockEnv) {
	t.Helper()
	status, body := m.control(t, "POST", "/_mock/apps", map[string]string{"app_id": certAppID, "app_cert": string(keys.DevAppCertPEM())})
	if status != 201 || !strings.Contains(string(body), keys.DevAppCertSN()) {
		t.Fatalf("registering the certificate-mode app: %d %s", status, body)
	}
}

func TestSmartwalleCertificateMode(t *testing.T) {
	t.Parallel()
	m := startMock(t)
	registerCertApp(t, m)
	dev := devCredentials()
	c, err := alipay.New(certAppID, dev.AppPrivateKeyPKCS1PEM, false, alipay.WithSandboxGateway(m.Gateway))
	if err != nil {
		t.Fatal(err)
	}
	for name, load := range map[string]func(string) error{
		"LoadAppCertPublicKey":    c.LoadAppCertPublicKey,
		"LoadAliPayRootCert":      c.LoadAliPayRootCert,
		"LoadAlipayCertPublicKey": c.LoadAlipayCertPublicKey,
	} {
		var pem []byte
		switch name {
		case "LoadAppCertPublicKey":
			pem = keys.DevAppCertPEM()
		case "LoadAliPayRootCert":
			pem = keys.DevRootCertPEM()
		default:
			pem = keys.DevAlipayCertPEM()
		}
		if err := load(string(pem)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	certFlow(t, m, "SWC", smartwalleSDK{c})
}

func TestGopayCertificateMode(t *testing.T) {
	t.Parallel()
	m := startMock(t)
	registerCertApp(t, m)
	dev := devCredentials()
	c, err := gopay.NewClient(certAppID, dev.AppPrivateKeyPKCS8Base64, false)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := mockclient.NewTransport(strings.TrimSuffix(m.Gateway, "/gateway.do"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetHttpClient(xhttp.NewClient().SetTransport(rt))
	if err := c.SetCertSnByContent(keys.DevAppCertPEM(), keys.DevRootCertPEM(), keys.DevAlipayCertPEM()); err != nil {
		t.Fatalf("SetCertSnByContent: %v", err)
	}
	c.AutoVerifySign(keys.DevAlipayCertPEM())
	certFlow(t, m, "GPC", gopaySDK{c: c, alipayPublicKey: dev.AlipayPublicKeyBase64})
}

// certFlow is a QR payment, its refund and a business error, each answer
// verified by the SDK in certificate mode.
func certFlow(t *testing.T, m *mockEnv, prefix string, sdk goSDK) {
	t.Helper()
	ctx := context.Background()
	f := newFlow(t, m)
	no := newID(prefix)
	r := f.step("precreate").do(sdk.precreate(ctx, no, "12.34", "certificate mode", ""))
	f.eq("precreate", "out_trade_no", r.OutTradeNo, no)
	m.scan(t, no)
	m.pay(t, no)
	r = f.step("query").do(sdk.query(ctx, no))
	f.eq("query", "trade_status", r.TradeStatus, "TRADE_SUCCESS")
	r = f.step("refund").do(sdk.refund(ctx, no, "2.34", "R"+no))
	f.eq("refund", "refund_fee", r.RefundFee, "2.34")
	r = f.step("refund query").do(sdk.refundQuery(ctx, no, "R"+no))
	f.eq("refund query", "refund_amount", r.RefundAmount, "2.34")
	f.step("query unknown").expect("40004", "ACQ.TRADE_NOT_EXIST").do(sdk.query(ctx, newID(prefix)))
	if !strings.Contains(f.wire(), `"alipay_cert_sn":"`+keys.DevAlipayCertSN()+`"`) {
		t.Errorf("no alipay_cert_sn in the answers%s", f.wire())
	}
}

// TestSmartwalleFundCertificateMode runs a transfer, its query and the
// balance through smartwalle in certificate mode, every answer verified.
func TestSmartwalleFundCertificateMode(t *testing.T) {
	t.Parallel()
	m := startMock(t)
	dev := devCredentials()
	c, err := alipay.New(keys.DevCertAppID, dev.AppPrivateKeyPKCS1PEM, false, alipay.WithSandboxGateway(m.Gateway))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.LoadAppCertPublicKey(string(keys.DevCertAppCertPEM())); err != nil {
		t.Fatal(err)
	}
	if err := c.LoadAliPayRootCert(string(keys.DevRootCertPEM())); err != nil {
		t.Fatal(err)
	}
	if err := c.LoadAlipayCertPublicKey(string(keys.DevAlipayCertPEM())); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	no := newID("SWTR")
	tr, err := c.FundTransUniTransfer(ctx, alipay.FundTransUniTransfer{OutBizNo: no, TransAmount: "1.23", ProductCode: "TRANS_ACCOUNT_NO_PWD",
		BizScene: "DIRECT_TRANSFER", OrderTitle: "payout", PayeeInfo: &alipay.PayeeInfo{Identity: "2088000000000777", IdentityType: "ALIPAY_USER_ID"},
		TransferSceneName: "佣金报酬", TransferSceneReportInfo: []*alipay.TransferSceneReportInfo{{InfoType: "佣金报酬说明", InfoContent: "报酬"}}})
	if err != nil || !tr.IsSuccess() || tr.Status != "SUCCESS" {
		t.Fatalf("transfer: %+v %v", tr, err)
	}
	q, err := c.FundTransCommonQuery(ctx, alipay.FundTransCommonQuery{ProductCode: "TRANS_ACCOUNT_NO_PWD", BizScene: "DIRECT_TRANSFER", OutBizNo: no})
	if err != nil || !q.IsSuccess() || q.TransAmount != "1.23" {
		t.Fatalf("transfer query: %+v %v", q, err)
	}
	status, body := m.control(t, "GET", "/_mock/apps", nil)
	var apps []struct {
		AppID    string `json:"app_id"`
		SellerID string `json:"seller_id"`
	}
	if status != 200 || json.Unmarshal(body, &apps) != nil {
		t.Fatalf("apps: %d %s", status, body)
	}
	var seller string
	for _, a := range apps {
		if a.AppID == keys.DevCertAppID {
			seller = a.SellerID
		}
	}
	a, err := c.FundAccountQuery(ctx, alipay.FundAccountQuery{AliPayUserId: seller, AccountType: "ACCTRANS_ACCOUNT"})
	if err != nil || !a.IsSuccess() || a.AvailableAmount == "" {
		t.Fatalf("account: %+v %v", a, err)
	}
}
