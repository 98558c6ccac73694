package sdktest

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-pay/gopay"
	"github.com/smartwalle/alipay/v3"

	"github.com/alipay-mock/alipay-mock/keys"
)

// Reviewer probes (rv-sdk): modes the other flows do not run.

const rvsdkAESApp = "2021004100000071"
const rvsdkAESKey = "aa4BtZ4tspm2wnXLb1ThQA=="

func rvsdkRegisterAES(t *testing.T, m *mockEnv) {
	t.Helper()
	status, body := m.control(t, "POST", "/_mock/apps", map[string]string{
		"app_id": rvsdkAESApp, "public_key": string(keys.DevFile("app_public_key.pem")), "encrypt_key": rvsdkAESKey,
	})
	if status != 201 {
		t.Fatalf("registering the AES app: %d %s", status, body)
	}
}

// TestRvsdkSmartwalleAES runs smartwalle with content encryption on: every
// request encrypted, every answer decrypted and verified.
func TestRvsdkSmartwalleAES(t *testing.T) {
	t.Parallel()
	m := startMock(t)
	rvsdkRegisterAES(t, m)
	dev := devCredentials()
	c, err := alipay.New(rvsdkAESApp, dev.AppPrivateKeyPKCS1PEM, false, alipay.WithSandboxGateway(m.Gateway))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.LoadAliPayPublicKey(dev.AlipayPublicKeyBase64); err != nil {
		t.Fatal(err)
	}
	if err := c.SetEncryptKey(rvsdkAESKey); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	no := newID("RVAES")
	pre, err := c.TradePreCreate(ctx, alipay.TradePreCreate{Trade: alipay.Trade{OutTradeNo: no, TotalAmount: "1.00", Subject: "加密 order"}})
	if err != nil || !pre.IsSuccess() {
		t.Fatalf("precreate: %+v %v", pre, err)
	}
	m.scan(t, no)
	m.pay(t, no)
	q, err := c.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: no})
	if err != nil || q.TradeStatus != alipay.TradeStatusSuccess {
		t.Fatalf("query: %+v %v", q, err)
	}
	missing, err := c.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: no + "X"})
	if err != nil || missing.SubCode != "ACQ.TRADE_NOT_EXIST" {
		t.Fatalf("query of a missing trade: %+v %v", missing, err)
	}
	rf, err := c.TradeRefund(ctx, alipay.TradeRefund{OutTradeNo: no, RefundAmount: "0.50", OutRequestNo: no + "R"})
	if err != nil || !rf.IsSuccess() {
		t.Fatalf("refund: %+v %v", rf, err)
	}
}

// TestRvsdkBillURLBothGoSDKs asks for a bill download URL with smartwalle
// and gopay, answers verified, and downloads the file from the URL.
func TestRvsdkBillURLBothGoSDKs(t *testing.T) {
	t.Parallel()
	m := startMock(t)
	ctx := context.Background()
	date := time.Now().In(time.FixedZone("GMT+8", 8*3600)).AddDate(0, 0, -3).Format("2006-01-02")
	sw := newSmartwalle(t, m.Gateway, devCredentials()).(smartwalleSDK)
	r, err := sw.c.BillDownloadURLQuery(ctx, alipay.BillDownloadURLQuery{BillType: "trade", BillDate: date})
	if err != nil || !r.IsSuccess() || r.BillDownloadURL == "" {
		t.Fatalf("smartwalle: %+v %v", r, err)
	}
	gp := newGopay(t, m.Gateway, devCredentials()).(gopaySDK)
	gr, err := gp.c.DataBillDownloadUrlQuery(ctx, gopay.BodyMap{"bill_type": "trade", "bill_date": date})
	if err != nil || gr.Response.BillDownloadUrl == "" {
		t.Fatalf("gopay: %+v %v", gr, err)
	}
	resp, err := http.Get(gr.Response.BillDownloadUrl)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(string(b), "PK") {
		t.Fatalf("download: %d %.200s", resp.StatusCode, b)
	}
}
