package mock_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// clocked starts a mock on a manual clock and a dev-app client whose
// timestamps follow that clock.
func clocked(t *testing.T, edit func(*client.Config)) (*mock.Server, *clock.Sim, *client.Client) {
	t.Helper()
	clk := clock.NewManual(epoch)
	// Queries of QR trades no buyer scanned: the seed's simpler flow
	// (production's is tested in unscanned_test.go).
	s := mock.NewTestServer(t, mock.Options{Seed: 1, Clock: clk, Trades: trade.Options{ShowUnscanned: true}})
	cfg := s.DevClientConfig() // stamps with the mock's clock
	if edit != nil {
		edit(&cfg)
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, clk, c
}

func postJSON(t *testing.T, url, body string, want int, out any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("POST %s: HTTP %d, want %d: %s", url, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(err)
		}
	}
}

func wantAPIError(t *testing.T, err error, code, subCode string) {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) || e.Code != code || e.SubCode != subCode {
		t.Fatalf("error %v, want %s %s", err, code, subCode)
	}
}

func TestISVActsForTheMerchantWithAppAuthToken(t *testing.T) {
	ctx := context.Background()
	s, clk, isv := clocked(t, nil)
	m := newMerchant(t, "success")
	var code struct {
		Code      string `json:"app_auth_code"`
		AuthAppID string `json:"auth_app_id"`
		UserID    string `json:"user_id"`
		Redirect  string `json:"redirect"`
	}
	postJSON(t, s.URL()+"/_mock/app-auth-codes", `{"app_id":"`+keys.DevAppID+`","redirect_uri":"https://isv.example/callback"}`, http.StatusCreated, &code)
	if !strings.Contains(code.Redirect, "app_auth_code="+code.Code) || code.UserID == "" {
		t.Fatalf("authorisation: %+v", code)
	}
	tok, err := isv.ExchangeAppAuthCode(ctx, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AuthAppID != code.AuthAppID || tok.UserID != code.UserID || tok.ExpiresIn != 365*24*3600 || len(tok.Tokens) != 1 {
		t.Fatalf("token: %+v", tok)
	}
	_, err = isv.ExchangeAppAuthCode(ctx, code.Code)
	wantAPIError(t, err, "40004", "AUTH_CODE_NOT_VALID")

	order := client.PayRequest{Order: client.Order{OutTradeNo: "ISV1", TotalAmount: amount.MustParse("20.00"), Subject: "代商户收款"},
		Scene: "bar_code", AuthCode: "283912345678901234"}
	if _, err := isv.Pay(ctx, order, client.WithAppAuthToken(tok.AppAuthToken), client.WithNotifyURL(m.URL)); err != nil {
		t.Fatal(err)
	}
	// The trade is the merchant's: its seller, kept under its app; the ISV's
	// own out_trade_no space is separate.
	list := must(s.Trades.List(trade.Filter{AppID: code.AuthAppID}))(t)
	if len(list) != 1 || list[0].Seller.UserID != code.UserID || list[0].ISVAppID != keys.DevAppID {
		t.Fatalf("merchant's trades: %+v", list)
	}
	if _, err := isv.Query(ctx, client.QueryRequest{OutTradeNo: "ISV1"}); err == nil {
		t.Error("the ISV's own app sees the merchant's trade")
	}
	if q, err := isv.Query(ctx, client.QueryRequest{OutTradeNo: "ISV1"}, client.WithAppAuthToken(tok.AppAuthToken)); err != nil || q.TradeStatus != client.TradeSuccess {
		t.Fatalf("query for the merchant: %+v %v", q, err)
	}
	ns := s.Notifier.Outbox().Wait(ctx, notify.Filter{OutTradeNo: "ISV1", State: notify.Delivered}, 1)
	if len(ns) != 1 || ns[0].Params["app_id"] != keys.DevAppID || ns[0].Params["auth_app_id"] != code.AuthAppID || ns[0].Params["seller_id"] != code.UserID {
		t.Fatalf("notification: %+v", ns)
	}

	_, err = isv.Query(ctx, client.QueryRequest{OutTradeNo: "ISV1"}, client.WithAppAuthToken("201511BB0000000000000000000000000000"))
	wantAPIError(t, err, "20001", "aop.invalid-app-auth-token")

	clk.Advance(200 * 24 * time.Hour)
	fresh, err := isv.RefreshAppAuthToken(ctx, tok.AppRefreshToken)
	if err != nil || fresh.AppAuthToken == tok.AppAuthToken || fresh.AuthAppID != code.AuthAppID {
		t.Fatalf("refresh: %+v %v", fresh, err)
	}
	// The old token works ten minutes more (RefreshGrace).
	if _, err := isv.Query(ctx, client.QueryRequest{OutTradeNo: "ISV1"}, client.WithAppAuthToken(tok.AppAuthToken)); err != nil {
		t.Fatalf("old token within its grace: %v", err)
	}
	clk.Advance(10 * time.Minute)
	_, err = isv.Query(ctx, client.QueryRequest{OutTradeNo: "ISV1"}, client.WithAppAuthToken(tok.AppAuthToken))
	wantAPIError(t, err, "20001", "aop.invalid-app-auth-token")
	clk.Advance(166 * 24 * time.Hour)
	if _, err := isv.Query(ctx, client.QueryRequest{OutTradeNo: "ISV1"}, client.WithAppAuthToken(fresh.AppAuthToken)); err != nil {
		t.Fatalf("refreshed token: %v", err)
	}
	_, err = isv.RefreshAppAuthToken(ctx, "nope")
	wantAPIError(t, err, "40004", "REFRESH_TOKEN_NOT_EXIST")
}

func TestAESEncryptedRequestsAndAnswers(t *testing.T) {
	ctx := context.Background()
	key := sign.GenerateAESKey()
	var wire []string
	s, _, c := clocked(t, func(cfg *client.Config) {
		cfg.EncryptKey = key
		cfg.HTTPClient = &http.Client{Transport: recorder{&wire}}
	})
	// Without a key on the app, an encrypted request is refused.
	_, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "E0", TotalAmount: amount.MustParse("1.00"), Subject: "加密"}})
	wantAPIError(t, err, "40002", "isv.missing-encypt-key")

	postJSON(t, s.URL()+"/_mock/apps", `{"app_id":"`+keys.DevAppID+`","public_key":"`+keys.PublicBase64(&keys.DevAppPrivateKey().PublicKey)+`","encrypt_key":"`+key+`"}`, http.StatusCreated, nil)
	p, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "E1", TotalAmount: amount.MustParse("1.00"), Subject: "加密"}})
	if err != nil || p.OutTradeNo != "E1" {
		t.Fatalf("encrypted precreate: %+v %v", p, err)
	}
	last := wire[len(wire)-1]
	if !strings.HasPrefix(last, `{"alipay_trade_precreate_response":"`) || strings.Contains(last, "out_trade_no") {
		t.Fatalf("answer not encrypted on the wire: %s", last)
	}
	q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "E1"})
	if err != nil || q.TradeStatus != client.TradeWaitBuyerPay {
		t.Fatalf("encrypted query: %+v %v", q, err)
	}
	// An error after decryption is encrypted too.
	_, err = c.Query(ctx, client.QueryRequest{OutTradeNo: "nope"})
	wantAPIError(t, err, "40004", "ACQ.TRADE_NOT_EXIST")
	if last := wire[len(wire)-1]; !strings.HasPrefix(last, `{"alipay_trade_query_response":"`) || strings.Contains(last, "TRADE_NOT_EXIST") {
		t.Errorf("business error not encrypted on the wire: %s", last)
	}

	wrong, err := client.New(client.Config{GatewayURL: s.GatewayURL(), AppID: keys.DevAppID, PrivateKeyRSA: keys.DevAppPrivateKey(),
		AlipayPublicKeyRSA: s.AlipayPublicKey(), EncryptKey: sign.GenerateAESKey(), Now: s.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	_, err = wrong.Query(ctx, client.QueryRequest{OutTradeNo: "E1"})
	wantAPIError(t, err, "40002", "isv.decryption-error-not-valid-encrypt-key")
}

// recorder keeps every response body.
type recorder struct{ bodies *[]string }

func (r recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	*r.bodies = append(*r.bodies, string(b))
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

func TestBillOfTheDayFromTheTradeBook(t *testing.T) {
	ctx := context.Background()
	_, clk, c := clocked(t, nil)
	pay := func(out, total string) *client.PayResponse {
		p, err := c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse(total), Subject: "对账"},
			Scene: "bar_code", AuthCode: "283912345678901234"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p1 := pay("B1", "100.00")
	pay("B2", "0.50")
	if _, err := c.Refund(ctx, client.RefundRequest{OutTradeNo: "B1", RefundAmount: amount.MustParse("30.00"), OutRequestNo: "RB1"}); err != nil {
		t.Fatal(err)
	}
	day := epoch.Format("2006-01-02")
	_, err := c.BillDownloadURL(ctx, client.BillRequest{BillType: client.BillTrade, BillDate: day})
	wantAPIError(t, err, "40004", "isv.invalid_arguments") // today's bill is not ready

	clk.Advance(24 * time.Hour)
	r, err := c.BillDownloadURL(ctx, client.BillRequest{BillType: client.BillTrade, BillDate: day})
	if err != nil || r.BillFileCode != "" || !strings.Contains(r.BillDownloadURL, "/downloadBillFile.resource?") {
		t.Fatalf("bill url: %+v %v", r, err)
	}
	zipped, err := c.DownloadBill(ctx, r.BillDownloadURL)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil || len(zr.File) != 2 {
		t.Fatalf("zip: %v %d files", err, len(zr.File))
	}
	f, _ := zr.File[0].Open()
	raw, _ := io.ReadAll(f)
	text, err := simplifiedchinese.GBK.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	detail := string(text)
	for _, want := range []string{"#支付宝业务明细查询", p1.TradeNo + "\t", "B2\t", "RB1\t", "交易合计：2笔", "退款合计：1笔"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, detail)
		}
	}

	// The URL lasts 30 s on the clock.
	clk.Advance(31 * time.Second)
	if _, err := c.DownloadBill(ctx, r.BillDownloadURL); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("expired bill URL: %v", err)
	}
	// A day without trades: the empty template; the ledger has no bill.
	empty := epoch.Add(-48 * time.Hour).Format("2006-01-02")
	if r, err := c.BillDownloadURL(ctx, client.BillRequest{BillType: client.BillTrade, BillDate: empty}); err != nil || r.BillFileCode != "EMPTY_DATA_WITH_BILL_FILE" {
		t.Errorf("empty day: %+v %v", r, err)
	}
	_, err = c.BillDownloadURL(ctx, client.BillRequest{BillType: client.BillSignCustomer, BillDate: empty})
	wantAPIError(t, err, "40004", "isp.bill_not_exist")
	_, err = c.BillDownloadURL(ctx, client.BillRequest{BillType: "nope", BillDate: day})
	wantAPIError(t, err, "40004", "isv.invalid_arguments")
}

func TestRoyaltyServiceProviderIsCheckedAndKept(t *testing.T) {
	ctx := context.Background()
	s, _, c := clocked(t, nil)
	order := func(out, pid string) client.PrecreateRequest {
		return client.PrecreateRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse("9.00"), Subject: "返佣",
			ExtendParams: &client.ExtendParams{SysServiceProviderID: pid}}}
	}
	_, err := c.Precreate(ctx, order("S0", "12345"))
	wantAPIError(t, err, "40004", "ACQ.INVALID_PARAMETER")
	if _, err := c.Precreate(ctx, order("S1", "2088102000000077")); err != nil {
		t.Fatal(err)
	}
	var got struct {
		SysServiceProviderID string `json:"sys_service_provider_id"`
	}
	resp, err := http.Get(s.URL() + "/_mock/trades/S1")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if got.SysServiceProviderID != "2088102000000077" {
		t.Errorf("control API shows sys_service_provider_id %q", got.SysServiceProviderID)
	}
}

func TestCertificateModeApp(t *testing.T) {
	ctx := context.Background()
	var wire []string
	s, clk, _ := clocked(t, nil)
	const appID = "2021000000000088"
	spec, _ := json.Marshal(map[string]string{"app_id": appID, "app_cert": string(keys.DevAppCertPEM())})
	var view struct {
		AppCertSN string `json:"app_cert_sn"`
	}
	postJSON(t, s.URL()+"/_mock/apps", string(spec), http.StatusCreated, &view)
	if view.AppCertSN != keys.DevAppCertSN() {
		t.Fatalf("app cert SN %q, want %q", view.AppCertSN, keys.DevAppCertSN())
	}
	resp, err := http.Get(s.URL() + "/_mock/alipay-cert")
	if err != nil {
		t.Fatal(err)
	}
	alipayCert, _ := io.ReadAll(resp.Body)
	resp.Body.Close()

	newClient := func(appCert string) *client.Client {
		c, err := client.New(client.Config{GatewayURL: s.GatewayURL(), AppID: appID, PrivateKeyRSA: keys.DevAppPrivateKey(),
			AppCert: appCert, AlipayRootCert: string(keys.DevRootCertPEM()), AlipayCert: string(alipayCert),
			Now: clk.Now, HTTPClient: &http.Client{Transport: recorder{&wire}}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := newClient(string(keys.DevAppCertPEM()))
	if _, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "C1", TotalAmount: amount.MustParse("3.00"), Subject: "证书"}}); err != nil {
		t.Fatal(err)
	}
	if last := wire[len(wire)-1]; !strings.Contains(last, `},"alipay_cert_sn":"`+keys.DevAlipayCertSN()+`","sign":"`) {
		t.Errorf("cert-mode answer layout: %s", last)
	}
	var dl struct {
		client.Response
		Content string `json:"alipay_cert_content"`
	}
	if err := c.Do(ctx, "alipay.open.app.alipaycert.download", map[string]string{"alipay_cert_sn": keys.DevAlipayCertSN()}, &dl); err != nil {
		t.Fatal(err)
	}
	if got, _ := base64.StdEncoding.DecodeString(dl.Content); string(got) != string(alipayCert) {
		t.Errorf("downloaded certificate differs from /_mock/alipay-cert")
	}

	// Another certificate for the same key has another SN.
	other, err := keys.DevAuthority().IssueAppCert(&keys.DevAppPrivateKey().PublicKey, appID, epoch.Add(-time.Hour), epoch.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = newClient(string(other)).Query(ctx, client.QueryRequest{OutTradeNo: "C1"})
	wantAPIError(t, err, "40002", "isv.app-cert-not-exist")
	plain, err := client.New(client.Config{GatewayURL: s.GatewayURL(), AppID: appID, PrivateKeyRSA: keys.DevAppPrivateKey(),
		AlipayPublicKeyRSA: s.AlipayPublicKey(), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	_, err = plain.Query(ctx, client.QueryRequest{OutTradeNo: "C1"})
	wantAPIError(t, err, "40002", "isv.missing-app-cert-sn")
	_, err = c.Query(ctx, client.QueryRequest{OutTradeNo: "C1"}, client.WithParam("alipay_root_cert_sn", "687b59193f3f462dd5336e5abf83c5d8"))
	wantAPIError(t, err, "40002", "isv.invalid-alipay-root-cert-sn")
	if q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "C1"}); err != nil || q.TradeStatus != client.TradeWaitBuyerPay {
		t.Fatalf("query: %+v %v", q, err)
	}
}

// The bill types production lists beyond trade and signcustomer: the mock's
// merchants have no 直付通 platform, bank settlement or marketing campaign,
// so each gets production's TYPE_NOT_SUPPORTED, after the argument checks
// (smid only with trade_zft_merchant; settlementMerge days from 2023-04-17).
func TestBillTypesProductionRefuses(t *testing.T) {
	h := newHarness(t, mock.Options{PublicURL: "http://alipay-mock.test"})
	const method = "alipay.data.dataservice.bill.downloadurl.query"
	tests := []struct {
		name, biz, subCode, subMsg string
	}{
		{"trade_zft_merchant", `{"bill_type":"trade_zft_merchant","bill_date":"2024-05-01"}`, "TYPE_NOT_SUPPORTED", "此账单类型不支持下载"},
		{"trade_zft_merchant with smid", `{"bill_type":"trade_zft_merchant","bill_date":"2024-05","smid":"2088123412341234"}`, "TYPE_NOT_SUPPORTED", "此账单类型不支持下载"},
		{"merchant_act", `{"bill_type":"merchant_act","bill_date":"2024-05-01"}`, "TYPE_NOT_SUPPORTED", "此账单类型不支持下载"},
		{"zft_acc", `{"bill_type":"zft_acc","bill_date":"2024-05-01"}`, "TYPE_NOT_SUPPORTED", "此账单类型不支持下载"},
		{"settlementMerge", `{"bill_type":"settlementMerge","bill_date":"2023-04-17"}`, "TYPE_NOT_SUPPORTED", "此账单类型不支持下载"},
		{"settlementMerge before 2023-04-17", `{"bill_type":"settlementMerge","bill_date":"2023-04-16"}`, "isv.invalid_arguments", "入参不合法"},
		{"settlementMerge month", `{"bill_type":"settlementMerge","bill_date":"2024-05"}`, "isv.invalid_arguments", "入参不合法"},
		{"merchant_act not ready", `{"bill_type":"merchant_act","bill_date":"2999-01-01"}`, "isv.invalid_arguments", "入参不合法"},
		{"smid on trade", `{"bill_type":"trade","bill_date":"2024-05-01","smid":"2088123412341234"}`, "isv.invalid_arguments", "入参不合法"},
		{"unknown type", `{"bill_type":"trade_zft","bill_date":"2024-05-01"}`, "isv.invalid_arguments", "入参不合法"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := h.call(method, tt.biz)
			if m["code"] != "40004" || m["msg"] != "Business Failed" || m["sub_code"] != tt.subCode || m["sub_msg"] != tt.subMsg {
				t.Errorf("answer %v, want 40004 %s %s", m, tt.subCode, tt.subMsg)
			}
			if _, ok := m["bill_download_url"]; ok {
				t.Errorf("a refusal carries a bill_download_url: %v", m)
			}
		})
	}
	// The exact bytes of the refusal, signature included.
	body := h.post(h.params(method, `{"bill_type":"trade_zft_merchant","bill_date":"2024-05-01","smid":"2088123412341234"}`, nil))
	h.verify(method, body, true)
	golden(t, "bill_type_not_supported", body)
	// The types the mock builds still answer a URL.
	if m := h.call(method, `{"bill_type":"signcustomer","bill_date":"2024-05-01"}`); m["code"] == "10000" {
		t.Errorf("signcustomer on an empty day: %v", m)
	}
	if m := h.call(method, `{"bill_type":"trade","bill_date":"2024-05-01"}`); m["code"] != "10000" || m["bill_download_url"] == nil {
		t.Errorf("trade: %v", m)
	}
}

// The day's bill agrees with the gateway on voucher trades: each payment
// row's 商家实收 is the trade's receipt_amount, the merchant's voucher is in
// 商家优惠 and Alipay's in 支付宝优惠, and a refund reaching the voucher
// takes 商家优惠 back rather than 商家实收.
func TestBillOfTheDayAgreesOnVouchers(t *testing.T) {
	ctx := context.Background()
	_, clk, c := clocked(t, nil)
	receipt := map[string]amount.Amount{}
	for out, total := range map[string]string{"VA": "100.10", "VM": "100.20"} {
		p, err := c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse(total), Subject: "券"},
			Scene: "bar_code", AuthCode: "283912345678901234"})
		if err != nil {
			t.Fatal(err)
		}
		receipt[p.TradeNo] = p.ReceiptAmount
	}
	// 95.20 of 100.20: the buyer's 90.20, then 5.00 of the merchant's voucher.
	if _, err := c.Refund(ctx, client.RefundRequest{OutTradeNo: "VM", RefundAmount: amount.MustParse("95.20"), OutRequestNo: "RVM"}); err != nil {
		t.Fatal(err)
	}
	day := epoch.Format("2006-01-02")
	clk.Advance(24 * time.Hour)
	r, err := c.BillDownloadURL(ctx, client.BillRequest{BillType: client.BillTrade, BillDate: day})
	if err != nil {
		t.Fatal(err)
	}
	zipped, err := c.DownloadBill(ctx, r.BillDownloadURL)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil || len(zr.File) != 2 {
		t.Fatalf("zip: %v", err)
	}
	read := func(i int) []string {
		f, _ := zr.File[i].Open()
		raw, _ := io.ReadAll(f)
		text, err := simplifiedchinese.GBK.NewDecoder().Bytes(raw)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(string(text), "\r\n")
	}
	// columns: 11 订单金额, 12 商家实收, 15 支付宝优惠, 16 商家优惠, 17 券核销金额, 18 券名称
	want := map[string][]string{
		"交易/VA": {"100.10", "", "10.00", "0.00", "10.00", "10.00元代金券"},
		"交易/VM": {"100.20", "", "0.00", "10.00", "10.00", "10.00元代金券"},
		"退款/VM": {"-95.20", "-90.20", "0.00", "-5.00", "-5.00", "10.00元代金券"},
	}
	seen := 0
	for _, l := range read(0) {
		cells := strings.Split(l, ",")
		if len(cells) != 25 || strings.HasPrefix(l, "支付宝交易号") {
			continue
		}
		key := strings.TrimSuffix(cells[2], "\t") + "/" + strings.TrimSuffix(cells[1], "\t")
		w, ok := want[key]
		if !ok {
			t.Errorf("unexpected row %q", l)
			continue
		}
		seen++
		got := []string{cells[11], cells[12], cells[15], cells[16], cells[17], cells[18]}
		if cells[2] == "交易\t" {
			// 商家实收 is what the gateway answered as receipt_amount.
			w[1] = receipt[strings.TrimSuffix(cells[0], "\t")].String()
		}
		if strings.Join(got, ",") != strings.Join(w, ",") {
			t.Errorf("%s: got %v, want %v", key, got, w)
		}
	}
	if seen != len(want) {
		t.Errorf("%d voucher rows, want %d", seen, len(want))
	}
	detail := strings.Join(read(0), "\n")
	for _, w := range []string{"#交易合计：2笔，商家实收共190.30元，商家优惠共10.00元", "#退款合计：1笔，商家实收退款共-90.20元，商家优惠退款共-5.00元"} {
		if !strings.Contains(detail, w) {
			t.Errorf("detail lacks %q:\n%s", w, detail)
		}
	}
	// 合计: 订单金额 105.10, 商家实收 190.30-90.20, 支付宝优惠 10.00, 商家优惠 10.00-5.00.
	summary := strings.Join(read(1), "\n")
	if !strings.Contains(summary, "合计,,2,1,105.10,100.10,10.00,5.00,0.00,") {
		t.Errorf("summary:\n%s", summary)
	}
}
