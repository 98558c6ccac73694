package client_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// End-to-end tests: the client against the real mock, in-process.

// startMock runs the mock on its own HTTP server (see mocktest.Start).
func startMock(t *testing.T, opts mock.Options) *mock.Server {
	t.Helper()
	return mocktest.Start(t, opts).Srv
}

// mockClient is a client of the dev app on srv, on the real clock.
func mockClient(t *testing.T, srv *mock.Server, edit func(*client.Config)) *client.Client {
	t.Helper()
	return newClient(t, srv.GatewayURL(), func(c *client.Config) {
		c.Now = nil
		if edit != nil {
			edit(c)
		}
	})
}

// buyer drives the mock's simulated buyer: scan, pay, fail or close.
func buyer(t *testing.T, srv *mock.Server, action, ref string, body any) {
	t.Helper()
	mocktest.On(t, srv).Control("POST", "/trades/"+url.PathEscape(ref)+"/"+action, body, http.StatusOK)
}

// mockTrade reads a trade through the control API.
func mockTrade(t *testing.T, srv *mock.Server, ref string) map[string]any {
	t.Helper()
	var m map[string]any
	mocktest.On(t, srv).ControlJSON("GET", "/trades/"+url.PathEscape(ref), nil, http.StatusOK, &m)
	return m
}

func wantAPIError(t *testing.T, err error, code, subCode string) *client.Error {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *client.Error %s %s", err, code, subCode)
	}
	if e.Code != code || e.SubCode != subCode {
		t.Fatalf("err = %v, want %s %s", e, code, subCode)
	}
	return e
}

func TestE2EPrecreateScanPayRefund(t *testing.T) {
	srv := startMock(t, mock.Options{})
	c := mockClient(t, srv, func(c *client.Config) { c.NotifyURL = "http://127.0.0.1:9/notify" })
	ctx := context.Background()
	const out = "e2e-precreate-1"

	pre, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{
		OutTradeNo: out, TotalAmount: amount.MustParse("88.00"), Subject: "Coffee", StoreID: "S1",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if pre.Code != client.CodeSuccess || pre.OutTradeNo != out || !strings.HasPrefix(pre.QRCode, "http") {
		t.Fatalf("precreate = %+v", pre)
	}
	if tr := mockTrade(t, srv, out); tr["notify_url"] != "http://127.0.0.1:9/notify" {
		t.Errorf("mock recorded notify_url %v", tr["notify_url"])
	}

	// The buyer who scans is the one who pays: Alipay binds the trade to it.
	buyer(t, srv, "scan", out, map[string]string{"buyer_id": "2088102000001234", "buyer_logon_id": "buyer@example.com"})
	q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: out})
	if err != nil {
		t.Fatal(err)
	}
	if q.TradeStatus != client.TradeWaitBuyerPay || q.TradeNo == "" {
		t.Fatalf("after scan: %+v", q)
	}

	buyer(t, srv, "pay", out, map[string]string{"buyer_id": "2088102000001234", "buyer_logon_id": "buyer@example.com"})
	q, err = c.Query(ctx, client.QueryRequest{TradeNo: q.TradeNo, QueryOptions: []string{"fund_bill_list"}})
	if err != nil {
		t.Fatal(err)
	}
	if q.TradeStatus != client.TradeSuccess || q.OutTradeNo != out || q.TotalAmount != 8800 || q.ReceiptAmount != 8800 ||
		q.BuyerPayAmount != 8800 || q.BuyerUserID != "2088102000001234" || q.BuyerLogonID == "" || q.Subject != "" || len(q.FundBillList) != 1 {
		t.Fatalf("after pay: %+v", q)
	}
	if _, err := timestamp.Parse(q.SendPayDate); err != nil {
		t.Errorf("send_pay_date %q: %v", q.SendPayDate, err)
	}
	if len(q.FundBillList) != 1 || q.FundBillList[0].Amount != 8800 || q.FundBillList[0].FundChannel == "" {
		t.Errorf("fund_bill_list = %+v", q.FundBillList)
	}

	refund := func(reqNo, amt string) (*client.RefundResponse, error) {
		return c.Refund(ctx, client.RefundRequest{OutTradeNo: out, OutRequestNo: reqNo, RefundAmount: amount.MustParse(amt), RefundReason: "partial"})
	}
	r, err := refund("r1", "10.00")
	if err != nil {
		t.Fatal(err)
	}
	if r.FundChange != "Y" || r.RefundFee != 1000 || r.TradeNo != q.TradeNo || r.BuyerUserID != "2088102000001234" {
		t.Fatalf("refund r1 = %+v", r)
	}
	if _, err := timestamp.Parse(r.GmtRefundPay); err != nil {
		t.Errorf("gmt_refund_pay %q: %v", r.GmtRefundPay, err)
	}
	if r.SendBackFee != 0 || r.RefundDetailItemList != nil {
		t.Errorf("refund without query_options: send_back_fee %v, refund_detail_item_list %v", r.SendBackFee, r.RefundDetailItemList)
	}

	r, err = refund("r1", "10.00")
	if err != nil {
		t.Fatal(err)
	}
	if r.FundChange != "N" || r.RefundFee != 1000 {
		t.Fatalf("repeated refund r1 = %+v, want fund_change N, refund_fee 10.00", r)
	}

	_, err = refund("r1", "11.00")
	wantAPIError(t, err, "40004", "ACQ.DISCORDANT_REPEAT_REQUEST")

	_, err = refund("r2", "78.01")
	e := wantAPIError(t, err, "40004", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL")
	if !errors.Is(err, &client.Error{Code: "40004", SubCode: "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"}) || e.SubMsg == "" {
		t.Errorf("errors.Is does not match %v", e)
	}

	rq, err := c.RefundQuery(ctx, client.RefundQueryRequest{OutTradeNo: out, OutRequestNo: "r1", QueryOptions: []string{"gmt_refund_pay"}})
	if err != nil {
		t.Fatal(err)
	}
	if rq.RefundStatus != client.RefundSuccess || rq.RefundAmount != 1000 || rq.TotalAmount != 8800 || rq.OutRequestNo != "r1" || rq.GmtRefundPay == "" {
		t.Errorf("refund query r1 = %+v", rq)
	}
	rq, err = c.RefundQuery(ctx, client.RefundQueryRequest{OutTradeNo: out, OutRequestNo: "r-unknown"})
	if err != nil {
		t.Fatal(err)
	}
	if rq.RefundStatus != "" || rq.RefundAmount != 0 {
		t.Errorf("refund query of an unknown request = %+v, want no status", rq)
	}

	r, err = refund("r2", "78.00")
	if err != nil {
		t.Fatal(err)
	}
	if r.RefundFee != 8800 {
		t.Errorf("refund_fee after full refund = %v", r.RefundFee)
	}
	q, err = c.Query(ctx, client.QueryRequest{OutTradeNo: out})
	if err != nil {
		t.Fatal(err)
	}
	if q.TradeStatus != client.TradeClosed {
		t.Errorf("after full refund: %s, want TRADE_CLOSED", q.TradeStatus)
	}
}

// A partial refund's notification is trade_status TRADE_SUCCESS with its
// own notify_id (Alipay: "部分退款的订单状态还是TRADE_SUCCESS ... 也会触发TRADE_SUCCESS的异步
// 通知", https://developer.aliyun.com/ask/285132), so Paid() reported it as a
// payment and a handler following docs/clock-and-notifications.md (mark paid
// when Paid()) credited the order twice, the mistake the audit's `refund`
// probe looks for. Paid() is true for the payment's notice only; Refund() for
// both refunds' (partial and full).
func TestPaidIsFalseForAPartialRefundNotice(t *testing.T) {
	// A face-to-face trade's full refund sends TRADE_CLOSED only when asked.
	srv := startMock(t, mock.Options{Notify: notify.Options{Closed: notify.Always}})
	c := mockClient(t, srv, nil)
	in := newFundInbox(t, c)
	ctx := context.Background()
	if _, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "PAID-REFUND-1",
		TotalAmount: amount.MustParse("10.00"), Subject: "s"}}, client.WithNotifyURL(in.URL)); err != nil {
		t.Fatal(err)
	}
	buyer(t, srv, "pay", "PAID-REFUND-1", nil)
	for i, amt := range []string{"3.00", "7.00"} {
		if _, err := c.Refund(ctx, client.RefundRequest{OutTradeNo: "PAID-REFUND-1", RefundAmount: amount.MustParse(amt),
			OutRequestNo: fmt.Sprintf("r%d", i+1)}); err != nil {
			t.Fatal(err)
		}
	}
	got := in.wait(t, client.NotifyTradeStatusSync, 3)
	for _, n := range got { // they may come in any order: each is sent on its own
		want := map[string]struct{ paid, refund bool }{"": {true, false}, "r1": {false, true}, "r2": {false, true}}[n.OutBizNo]
		if n.Paid() != want.paid || n.Refund() != want.refund {
			t.Errorf("%s notice (out_biz_no %q, refund_fee %s): Paid() %v Refund() %v, want %v %v",
				n.TradeStatus, n.OutBizNo, n.RefundFee, n.Paid(), n.Refund(), want.paid, want.refund)
		}
	}
}

// A TRADE_FINISHED notice carries refund_fee, the trade's refunded total
// ("0.00" when none, as a captured app-pay notice shows), and no
// gmt_refund: it tells of the refund window's end, not of a refund, so
// Paid() is true for it and Refund() false, refunded in part or not.
func TestPaidIsTrueForAFinishedNoticeWithRefundFee(t *testing.T) {
	srv := startMock(t, mock.Options{Notify: notify.Options{Finished: notify.Always}})
	c := mockClient(t, srv, nil)
	in := newFundInbox(t, c)
	ctx := context.Background()
	if _, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "PAID-FINISHED-1",
		TotalAmount: amount.MustParse("10.00"), Subject: "s"}}, client.WithNotifyURL(in.URL)); err != nil {
		t.Fatal(err)
	}
	buyer(t, srv, "pay", "PAID-FINISHED-1", nil)
	if _, err := c.Refund(ctx, client.RefundRequest{OutTradeNo: "PAID-FINISHED-1", RefundAmount: amount.MustParse("3.00"),
		OutRequestNo: "r1"}); err != nil {
		t.Fatal(err)
	}
	mocktest.On(t, srv).Advance("9000h") // past the refund window
	got := in.wait(t, client.NotifyTradeStatusSync, 3)
	var finished int
	for _, n := range got {
		want := map[string]struct{ paid, refund bool }{"": {true, false}, "r1": {false, true}}[n.OutBizNo]
		if n.TradeStatus == client.TradeFinished {
			finished++
			if n.RefundFee != amount.MustParse("3.00") {
				t.Errorf("TRADE_FINISHED notice: refund_fee %s, want 3.00", n.RefundFee)
			}
		}
		if n.Paid() != want.paid || n.Refund() != want.refund {
			t.Errorf("%s notice (out_biz_no %q, refund_fee %s): Paid() %v Refund() %v, want %v %v",
				n.TradeStatus, n.OutBizNo, n.RefundFee, n.Paid(), n.Refund(), want.paid, want.refund)
		}
	}
	if finished != 1 {
		t.Errorf("%d TRADE_FINISHED notices, want 1", finished)
	}
}

func TestE2EUnknownTrade(t *testing.T) {
	srv := startMock(t, mock.Options{})
	c := mockClient(t, srv, nil)
	_, err := c.Query(context.Background(), client.QueryRequest{OutTradeNo: "never-created"})
	wantAPIError(t, err, "40004", "ACQ.TRADE_NOT_EXIST")
}

func TestE2EBarcodePay(t *testing.T) {
	srv := startMock(t, mock.Options{})
	c := mockClient(t, srv, nil)
	ctx := context.Background()
	tests := []struct {
		name       string
		total      string
		authCode   string
		processing bool
		wantSub    string
	}{
		{"paid at once", "12.34", "286648048691290423", false, ""},
		{"password needed", "2000.00", "286648048691290424", true, ""},
		{"invalid auth code", "1.00", "123", false, "ACQ.PAYMENT_AUTH_CODE_INVALID"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := fmt.Sprintf("e2e-pay-%d", i)
			p, err := c.Pay(ctx, client.PayRequest{
				Order:    client.Order{OutTradeNo: out, TotalAmount: amount.MustParse(tt.total), Subject: "Barcode"},
				AuthCode: tt.authCode,
			})
			if tt.wantSub != "" {
				wantAPIError(t, err, "40004", tt.wantSub)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Processing() != tt.processing || p.OutTradeNo != out || p.TradeNo == "" {
				t.Fatalf("pay = %+v", p)
			}
			q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: out})
			if err != nil {
				t.Fatal(err)
			}
			if !tt.processing {
				if p.Code != client.CodeSuccess || p.TotalAmount != amount.MustParse(tt.total) || p.BuyerUserID == "" || p.GmtPayment == "" {
					t.Errorf("pay = %+v", p)
				}
				if q.TradeStatus != client.TradeSuccess {
					t.Errorf("query: %s", q.TradeStatus)
				}
				return
			}
			// 10003: the buyer is entering the password; the merchant polls.
			if q.TradeStatus != client.TradeWaitBuyerPay {
				t.Fatalf("query while waiting: %s", q.TradeStatus)
			}
			buyer(t, srv, "pay", out, nil)
			q, err = c.Query(ctx, client.QueryRequest{OutTradeNo: out})
			if err != nil || q.TradeStatus != client.TradeSuccess {
				t.Fatalf("query after the password: %+v, %v", q, err)
			}
		})
	}
}

func TestE2ECancel(t *testing.T) {
	srv := startMock(t, mock.Options{})
	c := mockClient(t, srv, nil)
	ctx := context.Background()

	// Paid barcode trade: cancel refunds it.
	if _, err := c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "e2e-cancel-paid", TotalAmount: 500, Subject: "x"}, AuthCode: "286648048691290425"}); err != nil {
		t.Fatal(err)
	}
	// Barcode trade waiting for a password: cancel closes it.
	if _, err := c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "e2e-cancel-wait", TotalAmount: 500000, Subject: "x"}, AuthCode: "286648048691290426"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		out        string
		wantAction string
		wantStatus client.TradeStatus
	}{
		{"e2e-cancel-paid", "refund", client.TradeClosed},
		{"e2e-cancel-wait", "close", client.TradeClosed},
		{"e2e-cancel-unknown", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.out, func(t *testing.T) {
			r, err := c.Cancel(ctx, client.CancelRequest{OutTradeNo: tt.out})
			if err != nil {
				t.Fatal(err)
			}
			if r.Action != tt.wantAction || r.RetryFlag != "N" {
				t.Errorf("cancel = %+v, want action %q", r, tt.wantAction)
			}
			if tt.wantStatus == "" {
				return
			}
			q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: tt.out})
			if err != nil || q.TradeStatus != tt.wantStatus {
				t.Errorf("after cancel: %+v, %v", q, err)
			}
		})
	}
}

func TestE2EClose(t *testing.T) {
	srv := startMock(t, mock.Options{})
	c := mockClient(t, srv, nil)
	ctx := context.Background()
	cr, err := c.Create(ctx, client.CreateRequest{Order: client.Order{OutTradeNo: "e2e-close", TotalAmount: 100, Subject: "x"}, BuyerID: "2088102000005678"})
	if err != nil {
		t.Fatal(err)
	}
	if cr.TradeNo == "" || cr.OutTradeNo != "e2e-close" {
		t.Fatalf("create = %+v", cr)
	}
	q, err := c.Query(ctx, client.QueryRequest{TradeNo: cr.TradeNo})
	if err != nil || q.TradeStatus != client.TradeWaitBuyerPay {
		t.Fatalf("after create: %+v, %v", q, err)
	}
	cl, err := c.Close(ctx, client.CloseRequest{TradeNo: cr.TradeNo, OperatorID: "op1"})
	if err != nil {
		t.Fatal(err)
	}
	if cl.TradeNo != cr.TradeNo || cl.OutTradeNo != "e2e-close" {
		t.Errorf("close = %+v", cl)
	}
	q, err = c.Query(ctx, client.QueryRequest{OutTradeNo: "e2e-close"})
	if err != nil || q.TradeStatus != client.TradeClosed {
		t.Errorf("after close: %+v, %v", q, err)
	}
	_, err = c.Close(ctx, client.CloseRequest{OutTradeNo: "e2e-close"})
	wantAPIError(t, err, "40004", "ACQ.TRADE_STATUS_ERROR")
}

func TestE2EGBK(t *testing.T) {
	srv := startMock(t, mock.Options{})
	c := mockClient(t, srv, func(c *client.Config) { c.Charset = "GBK" })
	ctx := context.Background()
	const subject = "测试商品：咖啡（大杯）乗" // 乗 ends in a 0x5C byte in GBK
	if _, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "e2e-gbk", TotalAmount: 1500, Subject: subject, Body: "两杯", PassbackParams: subject}}); err != nil {
		t.Fatal(err)
	}
	if tr := mockTrade(t, srv, "e2e-gbk"); tr["subject"] != subject || !strings.EqualFold(fmt.Sprint(tr["charset"]), "gbk") {
		t.Errorf("mock recorded subject %v, charset %v", tr["subject"], tr["charset"])
	}
	buyer(t, srv, "pay", "e2e-gbk", nil)
	q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "e2e-gbk"})
	if err != nil {
		t.Fatal(err)
	}
	// subject and body are not echoed (production returns them for
	// bank-intermediated trades only); the trade keeps them.
	if q.Subject != "" || q.Body != "" || q.PassbackParams != subject || q.TradeStatus != client.TradeSuccess {
		t.Errorf("query = %+v", q)
	}
	if _, err := c.Refund(ctx, client.RefundRequest{OutTradeNo: "e2e-gbk", RefundAmount: 500, OutRequestNo: "退款1", RefundReason: "顾客退货"}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Query(ctx, client.QueryRequest{OutTradeNo: "不存在的订单"})
	e := wantAPIError(t, err, "40004", "ACQ.TRADE_NOT_EXIST")
	if e.SubMsg != "交易不存在" {
		t.Errorf("sub_msg decoded from GBK = %q", e.SubMsg)
	}
}

func TestE2ESignTypeRSA(t *testing.T) {
	pair, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	const rsaApp = "9021000100000099"
	srv := startMock(t, mock.Options{Apps: []apps.Spec{{AppID: rsaApp, PublicKey: string(pair.PublicPEM), SignType: "RSA"}}})
	ctx := context.Background()
	for _, cs := range []string{"UTF-8", "GBK"} {
		t.Run(cs, func(t *testing.T) {
			c := mockClient(t, srv, func(c *client.Config) {
				c.AppID, c.PrivateKey, c.SignType, c.Charset = rsaApp, string(pair.PrivatePKCS8Base64), sign.RSA, cs
			})
			out := "e2e-rsa-" + cs
			if _, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: out, TotalAmount: 100, Subject: "旧密钥"}}); err != nil {
				t.Fatal(err)
			}
			buyer(t, srv, "pay", out, nil)
			q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: out})
			if err != nil || q.TradeStatus != client.TradeSuccess {
				t.Fatalf("query: %+v, %v", q, err)
			}
		})
	}
	t.Run("RSA2 request to an RSA app", func(t *testing.T) {
		c := mockClient(t, srv, func(c *client.Config) { c.AppID, c.PrivateKey = rsaApp, string(pair.PrivatePKCS1PEM) })
		// The mock signs with the algorithm of the app's key, so the client
		// cannot verify the answer as RSA2 and says why.
		_, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "x"})
		if !errors.Is(err, sign.ErrBadSignature) || !strings.Contains(err.Error(), "registered as RSA") ||
			!strings.Contains(err.Error(), "isv.missing-signature-config") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestE2EGatewayErrors(t *testing.T) {
	srv := startMock(t, mock.Options{})
	other, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		edit    func(*client.Config)
		wantErr error
		code    string
		subCode string
	}{
		{"wrong app private key", func(c *client.Config) { c.PrivateKey = string(other.PrivatePKCS1PEM) }, nil, "40002", "isv.invalid-signature"},
		{"unknown app id (unsigned answer)", func(c *client.Config) { c.AppID = "9021000199999999" }, nil, "40002", "isv.invalid-app-id"},
		{"wrong Alipay public key", func(c *client.Config) { c.AlipayPublicKey = string(other.PublicPEM) }, sign.ErrBadSignature, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mockClient(t, srv, tt.edit)
			_, err := c.Query(context.Background(), client.QueryRequest{OutTradeNo: "x"})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			wantAPIError(t, err, tt.code, tt.subCode)
		})
	}
}

// noRedirect is a browser that shows each redirect instead of following it.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// cashierURL is where a page/wap/app pay request at the gateway sends the
// browser: the mock's cashier, at a secret token.
func cashierURL(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !cashierPattern.MatchString(loc) {
		t.Fatalf("gateway answered %s, Location %q: %s", resp.Status, loc, body)
	}
	return loc
}

var cashierPattern = regexp.MustCompile(`^http://[^/]+/cashier/[a-z2-7]{26}$`)

// payAtCashier pays in the mock's cashier and returns where it sends the browser.
func payAtCashier(t *testing.T, cashier string) string {
	t.Helper()
	resp, err := noRedirect.PostForm(cashier, url.Values{"action": {"pay"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("cashier pay: %s", resp.Status)
	}
	return resp.Header.Get("Location")
}

// submitForm does what the browser does with PagePayForm's HTML.
func submitForm(t *testing.T, form string) *http.Response {
	t.Helper()
	m := formTag.FindStringSubmatch(form)
	if m == nil {
		t.Fatalf("no form in %s", form)
	}
	cs, err := sign.ParseCharset(m[2])
	if err != nil {
		t.Fatal(err)
	}
	v := url.Values{}
	for _, in := range inputTag.FindAllStringSubmatch(form, -1) {
		b, err := cs.Encode(html.UnescapeString(in[2]))
		if err != nil {
			t.Fatal(err)
		}
		v.Set(html.UnescapeString(in[1]), string(b))
	}
	resp, err := noRedirect.Post(html.UnescapeString(m[1]), "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestE2ECashier(t *testing.T) {
	srv := startMock(t, mock.Options{})
	ctx := context.Background()
	const returnURL = "http://shop.test/return"
	tests := []struct {
		name    string
		charset string
		open    func(c *client.Client, out string) *http.Response
	}{
		{"page pay URL", "", func(c *client.Client, out string) *http.Response {
			u, err := c.PagePayURL(client.PagePayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: 990, Subject: "网页支付"}, ReturnURL: returnURL})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := noRedirect.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}},
		{"page pay form GBK", "GBK", func(c *client.Client, out string) *http.Response {
			f, err := c.PagePayForm(client.PagePayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: 990, Subject: `网页 "支付" <表单>`}, ReturnURL: returnURL})
			if err != nil {
				t.Fatal(err)
			}
			return submitForm(t, f)
		}},
		{"wap pay form", "", func(c *client.Client, out string) *http.Response {
			f, err := c.WapPayForm(client.WapPayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: 990, Subject: "手机"}, ReturnURL: returnURL, QuitURL: "http://shop.test/quit"})
			if err != nil {
				t.Fatal(err)
			}
			return submitForm(t, f)
		}},
		{"wap pay URL GBK", "GBK", func(c *client.Client, out string) *http.Response {
			u, err := c.WapPayURL(client.WapPayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: 990, Subject: "手机"}, ReturnURL: returnURL})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := noRedirect.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mockClient(t, srv, func(c *client.Config) { c.Charset = tt.charset })
			out := fmt.Sprintf("e2e-cashier-%d", i)
			back := payAtCashier(t, cashierURL(t, tt.open(c, out)))
			if !strings.HasPrefix(back, returnURL+"?") {
				t.Fatalf("cashier sent the browser to %q", back)
			}
			r, err := http.NewRequest(http.MethodGet, back, nil)
			if err != nil {
				t.Fatal(err)
			}
			v, err := c.VerifyReturn(r)
			if err != nil {
				t.Fatalf("VerifyReturn(%s): %v", back, err)
			}
			q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: out})
			if err != nil || q.TradeStatus != client.TradeSuccess {
				t.Errorf("query: %+v, %v", q, err)
			}
			if v.Get("out_trade_no") != out || v.Get("trade_no") != q.TradeNo || v.Get("total_amount") != "9.90" {
				t.Errorf("return params = %v", v)
			}
		})
	}
}

// TestE2ETransport reaches the mock through a client configured for the
// production gateway, as an SDK with a fixed host would.
func TestE2ETransport(t *testing.T) {
	srv := startMock(t, mock.Options{})
	tr, err := client.NewTransport(srv.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, client.ProductionGateway, func(c *client.Config) {
		c.Now = nil
		c.HTTPClient = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	})
	p, err := c.Precreate(context.Background(), client.PrecreateRequest{Order: client.Order{OutTradeNo: "e2e-transport", TotalAmount: 1, Subject: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.OutTradeNo != "e2e-transport" {
		t.Errorf("precreate = %+v", p)
	}
	// The mock builds qr_code from the Host header, which must be its own.
	if !strings.HasPrefix(p.QRCode, srv.URL()+"/") {
		t.Errorf("qr_code %s is not on the mock %s", p.QRCode, srv.URL())
	}
}

// TestE2EQueryOptions: the client asks for the fields production returns
// only when asked.
func TestE2EQueryOptions(t *testing.T) {
	srv := startMock(t, mock.Options{})
	c := mockClient(t, srv, nil)
	ctx := context.Background()
	order := client.Order{OutTradeNo: "e2e-qo", TotalAmount: 1000, Subject: "s"}
	p, err := c.Pay(ctx, client.PayRequest{Order: order, AuthCode: "283912345678901234", QueryOptions: []string{"fund_bill_list"}})
	if err != nil || len(p.FundBillList) != 1 {
		t.Fatalf("pay with fund_bill_list = %+v, %v", p, err)
	}
	r, err := c.Refund(ctx, client.RefundRequest{OutTradeNo: "e2e-qo", OutRequestNo: "r0", RefundAmount: 100,
		QueryOptions: []string{"refund_detail_item_list", "deposit_back_info"}})
	if err != nil || r.SendBackFee != 100 || len(r.RefundDetailItemList) != 1 || r.HasDepositBack != "N" {
		t.Fatalf("refund with query_options = %+v, %v", r, err)
	}
}
