package sdktest

import (
	"context"
	"encoding/json"
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

// TestRvsdkTypedAnswers decodes the answers of the trade methods the flows
// do not call into smartwalle's and gopay's typed responses, verified:
// a field of the wrong JSON type fails the SDK's json.Unmarshal.
func TestRvsdkTypedAnswers(t *testing.T) {
	t.Parallel()
	m := startMock(t)
	ctx := context.Background()
	sw := newSmartwalle(t, m.Gateway, devCredentials()).(smartwalleSDK).c
	gp := newGopay(t, m.Gateway, devCredentials()).(gopaySDK).c
	opts := []string{"fund_bill_list", "voucher_detail_list", "discount_goods_detail", "discount_amount", "mdiscount_amount",
		"medical_insurance_info", "trade_settle_info", "charge_info_list", "hb_fq_pay_info", "buyer_user_type", "credit_pay_mode"}

	no := newID("RVTY")
	if r, err := sw.TradePay(ctx, alipay.TradePay{Trade: alipay.Trade{OutTradeNo: no, TotalAmount: "10.00", Subject: "typed", ProductCode: "FACE_TO_FACE_PAYMENT"},
		Scene: "bar_code", AuthCode: authCode}); err != nil || !r.IsSuccess() {
		t.Fatalf("pay: %+v %v", r, err)
	}
	q, err := sw.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: no, QueryOptions: opts})
	if err != nil || !q.IsSuccess() {
		t.Fatalf("smartwalle query with query_options: %+v %v", q, err)
	}
	if _, err := gp.TradeQuery(ctx, gopay.BodyMap{"out_trade_no": no, "query_options": opts}); err != nil {
		t.Errorf("gopay query with query_options: %v", err)
	}
	if r, err := sw.TradeRefund(ctx, alipay.TradeRefund{OutTradeNo: no, RefundAmount: "1.00", OutRequestNo: no + "R",
		QueryOptions: []string{"refund_detail_item_list", "deposit_back_info"}}); err != nil || !r.IsSuccess() {
		t.Errorf("smartwalle refund with query_options: %+v %v", r, err)
	}
	rq, err := sw.TradeFastPayRefundQuery(ctx, alipay.TradeFastPayRefundQuery{OutTradeNo: no, OutRequestNo: no + "R",
		QueryOptions: []string{"refund_detail_item_list", "gmt_refund_pay", "deposit_back_info", "refund_royaltys"}})
	if err != nil || !rq.IsSuccess() {
		t.Errorf("smartwalle refund query with query_options: %+v %v", rq, err)
	}
	if _, err := gp.TradeFastPayRefundQuery(ctx, gopay.BodyMap{"out_trade_no": no, "out_request_no": no + "R",
		"query_options": []string{"refund_detail_item_list", "gmt_refund_pay", "deposit_back_info"}}); err != nil {
		t.Errorf("gopay refund query with query_options: %v", err)
	}
	cr, err := sw.TradeCreate(ctx, alipay.TradeCreate{Trade: alipay.Trade{OutTradeNo: no + "C", TotalAmount: "2.00", Subject: "create"},
		BuyerId: "2088102177846899"})
	if err != nil || !cr.IsSuccess() {
		t.Errorf("smartwalle create: %+v %v", cr, err)
	}
	if _, err := gp.TradeCreate(ctx, gopay.BodyMap{"out_trade_no": no + "G", "total_amount": "2.00", "subject": "create", "buyer_id": "2088102177846899"}); err != nil {
		t.Errorf("gopay create: %v", err)
	}
}

// TestRvsdkSmartwalleFundCertMode runs a transfer, its query and the
// balance through smartwalle in certificate mode, every answer verified.
func TestRvsdkSmartwalleFundCertMode(t *testing.T) {
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
	no := newID("RVTR")
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
