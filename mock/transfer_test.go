package mock_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/journal"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

func transferTo(ctx context.Context, t *testing.T, c *client.Client, out, amt string) *client.TransferResponse {
	t.Helper()
	r, err := c.Transfer(ctx, client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: out, TransAmount: amount.MustParse(amt), OrderTitle: "提现",
		PayeeInfo: client.Participant{Identity: "someone@example.com", IdentityType: client.PayeeLogonID, Name: "王五"}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The signcustomer bill lists transfers as expenses next to payments and
// fees, and its last 账户余额 is the balance alipay.fund.account.query
// answers.
func TestTransfersInAccountBill(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	c := m.Client(nil)
	ctx := context.Background()
	a, _ := m.Srv.Apps.Get(keys.DevCertAppID)
	m.ControlJSON("POST", "/apps/"+keys.DevCertAppID+"/balance", map[string]string{"available_amount": "1000.00"}, http.StatusOK, nil)
	if _, err := c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "B1", TotalAmount: amount.MustParse("100.00"), Subject: "对账"},
		AuthCode: "283912345678901234"}); err != nil {
		t.Fatal(err)
	}
	m.Advance("1s")
	x := transferTo(ctx, t, c, "T1", "30.00")
	acct, err := c.AccountQuery(ctx, client.AccountQueryRequest{AlipayUserID: a.Seller.UserID})
	if err != nil || acct.AvailableAmount != amount.MustParse("1069.40") { // 1000 + 100 − 0.60 fee − 30
		t.Fatalf("balance %+v %v", acct, err)
	}
	m.Advance("24h")
	r, err := c.BillDownloadURL(ctx, client.BillRequest{BillType: "signcustomer", BillDate: mocktest.Epoch.Format("2006-01-02")})
	if err != nil {
		t.Fatal(err)
	}
	zipped, err := c.DownloadBill(ctx, r.BillDownloadURL)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		t.Fatal(err)
	}
	f, _ := zr.File[0].Open()
	raw, _ := io.ReadAll(f)
	text, err := simplifiedchinese.GBK.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	var row []string
	for _, line := range strings.Split(string(text), "\r\n") {
		if strings.Contains(line, ",转账,") || strings.HasSuffix(line, ",转账,提现") {
			row = strings.Split(line, ",")
		}
	}
	if row == nil {
		t.Fatalf("no 转账 row:\n%s", text)
	}
	// 业务流水号, 商户订单号, 商品名称, 支出, 账户余额, 业务类型
	if got := []string{row[1], row[2], row[3], row[7], row[8], row[10]}; strings.Join(got, "|") !=
		x.OrderID+"\t|T1\t|提现\t|-30.00|"+acct.AvailableAmount.String()+"|转账" {
		t.Fatalf("转账 row %q", row)
	}
}

// Transfers and balances survive a restart on the same data directory; a
// DEALING transfer is planned again and ends when due; a reset deletes
// them from the file.
func TestDataDirKeepsTransfers(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	at := time.Date(2026, 6, 5, 10, 0, 0, 0, time.UTC)

	s1, c1 := startWithData(t, dir, at)
	m1 := mocktest.On(t, s1)
	m1.Control("POST", "/apps/"+keys.DevAppID+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
	x := transferTo(ctx, t, c1, "T1", "10.00")
	m1.Control("POST", "/scenarios", map[string]any{"name": "dealing", "rules": []any{map[string]any{
		"when": map[string]any{"method": "alipay.fund.trans.uni.transfer", "biz": map[string]any{"out_biz_no": "D1"}},
		"then": map[string]any{"transfer": map[string]any{"status": "DEALING", "after": "1h"}}}}}, http.StatusCreated)
	if d := transferTo(ctx, t, c1, "D1", "5.00"); d.Status != "DEALING" {
		t.Fatalf("D1 %+v", d)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	s2, c2 := startWithData(t, dir, at)
	mocktest.On(t, s2).Advance("1h") // the stored clock is back: the DEALING transfer is due
	q, err := c2.TransferQuery(ctx, client.TransferQueryRequest{OrderID: x.OrderID})
	if err != nil || q.OutBizNo != "T1" || q.Status != "SUCCESS" {
		t.Fatalf("after restart: %+v %v", q, err)
	}
	waitFor(t, func() bool {
		d, err := c2.TransferQuery(ctx, client.TransferQueryRequest{OutBizNo: "D1"})
		return err == nil && d.Status == "SUCCESS"
	})
	a, _ := s2.Apps.Get(keys.DevAppID)
	if b, err := c2.AccountQuery(ctx, client.AccountQueryRequest{AlipayUserID: a.Seller.UserID}); err != nil || b.AvailableAmount != amount.MustParse("85.00") || b.FreezeAmount != 0 {
		t.Fatalf("balance after restart %+v %v", b, err)
	}
	// The repeat of T1 is still the same transfer.
	if again := transferTo(ctx, t, c2, "T1", "10.00"); again.OrderID != x.OrderID {
		t.Fatalf("repeat after restart %+v", again)
	}
	mocktest.On(t, s2).Control("POST", "/reset", nil, http.StatusOK)
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	_, c3 := startWithData(t, dir, at.Add(3*time.Hour))
	if _, err := c3.TransferQuery(ctx, client.TransferQueryRequest{OrderID: x.OrderID}); err == nil || !strings.Contains(err.Error(), "ORDER_NOT_EXIST") {
		t.Fatalf("after reset and restart: %v", err)
	}
}

// waitFor polls cond (the restart's catch-up runs on the scheduler's
// goroutine) until it holds, or fails after mocktest.Timeout.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(mocktest.Timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The journal names the transfer a request acted on and the dashboard
// lists it, with the app's balance.
func TestTransferJournalAndDashboard(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	c := m.Client(nil)
	ctx := context.Background()
	x := transferTo(ctx, t, c, "J1", "1.00")
	if _, err := c.TransferQuery(ctx, client.TransferQueryRequest{OrderID: x.OrderID}); err != nil {
		t.Fatal(err)
	}
	var list []journal.Entry
	m.ControlJSON("GET", "/journal?method=alipay.fund.trans.common.query", nil, http.StatusOK, &list)
	if len(list) != 1 || list[0].About != "transfer" || list[0].Ref != x.OrderID {
		t.Fatalf("journal %+v", list)
	}
	page := getPage(t, m.URL+"/_mock/ui/journal/"+strconv.Itoa(list[0].ID))
	if !strings.Contains(page, "/_mock/ui/transfers?app_id="+keys.DevCertAppID+"#transfer-"+x.OrderID) {
		t.Fatalf("journal entry page does not link the transfer:\n%s", page)
	}
	page = getPage(t, m.URL+"/_mock/ui/transfers?app_id="+keys.DevCertAppID)
	for _, want := range []string{`id="transfer-` + x.OrderID + `"`, "J1", "SUCCESS", (fund.DefaultOpening - 100).String()} {
		if !strings.Contains(page, want) {
			t.Errorf("transfers page lacks %q", want)
		}
	}
}

func getPage(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// A trade evicted past Trades.Keep leaves its money in the balance.
func TestEvictedTradesStayInBalance(t *testing.T) {
	m := mocktest.New(t, mock.Options{Trades: trade.Options{Keep: 1}}).CertApp()
	c := m.Client(nil)
	ctx := context.Background()
	a, _ := m.Srv.Apps.Get(keys.DevCertAppID)
	m.Control("POST", "/apps/"+keys.DevCertAppID+"/balance", map[string]string{"available_amount": "0"}, http.StatusOK)
	for _, out := range []string{"E1", "E2", "E3"} {
		if _, err := c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse("10.00"), Subject: "s"},
			AuthCode: "283912345678901234"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := m.Srv.Trades.Len(); n != 1 {
		t.Fatalf("%d trades kept, want 1", n)
	}
	if b, err := c.AccountQuery(ctx, client.AccountQueryRequest{AlipayUserID: a.Seller.UserID}); err != nil || b.AvailableAmount != amount.MustParse("29.82") {
		t.Fatalf("balance %+v %v, want 3 × (10.00 − 0.06)", b, err)
	}
}

const scenePayee = `"payee_info":{"identity":"2088000000000777","identity_type":"ALIPAY_USER_ID"}`

// Since December 2025 production refuses a transfer that does not name
// the scene it reports: 40004 TRANSFER_SCENE_NAME_BLANK
// (https://github.com/YunaiV/ruoyi-vue-pro/issues/1047,
// https://github.com/smartwalle/alipay/issues/246). The scene and its
// report infos are kept on the transfer, for the control API and the
// dashboard; malformed report infos are INVALID_PARAMETER.
func TestTransferNeedsSceneName(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	const head = `"trans_amount":"1.00","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER","order_title":"t",` + scenePayee
	r := m.Call("alipay.fund.trans.uni.transfer", `{"out_biz_no":"SC1",`+head+`}`)
	expect(t, r, "code", "40004", "sub_code", "TRANSFER_SCENE_NAME_BLANK")
	if _, ok := r["order_id"]; ok {
		t.Fatalf("a refused transfer has no order_id: %v", r)
	}
	expect(t, m.Call("alipay.fund.trans.uni.transfer", `{"out_biz_no":"SC1","transfer_scene_name":"",`+head+`}`),
		"code", "40004", "sub_code", "TRANSFER_SCENE_NAME_BLANK")

	eleven := strings.Repeat(`{"info_type":"x","info_content":"y"},`, 10) + `{"info_type":"z","info_content":"y"}`
	for _, bad := range []string{
		`"transfer_scene_report_infos":"佣金报酬说明"`,
		`"transfer_scene_report_infos":[{"info_type":"佣金报酬说明"}]`,
		`"transfer_scene_report_infos":[{"info_type":"","info_content":"报酬"}]`,
		`"transfer_scene_report_infos":[{"info_type":"佣金报酬说明","info_content":"a"},{"info_type":"佣金报酬说明","info_content":"b"}]`,
		`"transfer_scene_report_infos":[{"info_type":"佣金报酬说明","info_content":"` + strings.Repeat("长", fund.MaxInfoContent+1) + `"}]`,
		`"transfer_scene_report_infos":[` + eleven + `]`,
		`"transfer_scene_name":"` + strings.Repeat("长", fund.MaxSceneName+1) + `"`,
	} {
		body := `{"out_biz_no":"SC2","transfer_scene_name":"佣金报酬",` + bad + `,` + head + `}`
		if strings.HasPrefix(bad, `"transfer_scene_name"`) {
			body = `{"out_biz_no":"SC2",` + bad + `,` + head + `}`
		}
		r := m.Call("alipay.fund.trans.uni.transfer", body)
		if r["code"] != "40004" || r["sub_code"] != "INVALID_PARAMETER" {
			t.Errorf("%s: %v, want 40004 INVALID_PARAMETER", bad, r)
		}
	}

	const infos = `[{"info_type":"佣金报酬说明","info_content":"8月家政服务报酬"}]`
	r = m.Call("alipay.fund.trans.uni.transfer", `{"out_biz_no":"SC3","transfer_scene_name":"佣金报酬","transfer_scene_report_infos":`+infos+`,`+head+`}`)
	expect(t, r, "code", "10000", "status", "SUCCESS")
	var list []fund.Transfer
	m.ControlJSON("GET", "/transfers?app_id="+keys.DevCertAppID, nil, http.StatusOK, &list)
	if len(list) != 1 || list[0].SceneName != "佣金报酬" || len(list[0].SceneReportInfos) != 1 ||
		list[0].SceneReportInfos[0] != (fund.SceneReportInfo{InfoType: "佣金报酬说明", InfoContent: "8月家政服务报酬"}) {
		t.Fatalf("control API transfers %+v", list)
	}
	raw := string(m.Control("GET", "/transfers?app_id="+keys.DevCertAppID, nil, http.StatusOK))
	if !strings.Contains(raw, `"transfer_scene_name":"佣金报酬"`) || !strings.Contains(raw, `"transfer_scene_report_infos":`+infos) {
		t.Errorf("control API names the fields otherwise: %s", raw)
	}
	page := getPage(t, m.URL+"/_mock/ui/transfers?app_id="+keys.DevCertAppID)
	if !strings.Contains(page, "佣金报酬; 佣金报酬说明: 8月家政服务报酬") {
		t.Errorf("transfers page lacks the scene:\n%s", page)
	}
}

// --transfer-scene-optional (Options.Fund.SceneOptional) accepts a
// transfer without transfer_scene_name, as production did before
// December 2025; a scene sent is still checked and kept.
func TestTransferSceneOptional(t *testing.T) {
	m := mocktest.New(t, mock.Options{Fund: fund.Options{SceneOptional: true}}).CertApp()
	const head = `"trans_amount":"1.00","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER",` + scenePayee
	expect(t, m.Call("alipay.fund.trans.uni.transfer", `{"out_biz_no":"SO1",`+head+`}`), "code", "10000", "status", "SUCCESS")
	expect(t, m.Call("alipay.fund.trans.uni.transfer", `{"out_biz_no":"SO2","transfer_scene_name":"佣金报酬","transfer_scene_report_infos":[{"info_type":"佣金报酬说明"}],`+head+`}`),
		"code", "40004", "sub_code", "INVALID_PARAMETER")
}

// Production requires biz_scene on a transfer to an Alipay account: left
// out it answers INVALID_PARAMETER (https://github.com/yansongda/pay/pull/354:
// "转账接口的biz_scene字段为必填，转账到支付宝账户时不填会报错";
// https://github.com/yansongda/laravel-pay/issues/70, Alipay support:
// "biz_scene参数是必传的"). The mock used to default it.
func TestTransferNeedsBizScene(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	const rest = `"trans_amount":"1.00","product_code":"TRANS_ACCOUNT_NO_PWD","order_title":"t","transfer_scene_name":"佣金报酬",` + scenePayee
	for _, biz := range []string{`{"out_biz_no":"BS1",` + rest + `}`, `{"out_biz_no":"BS1","biz_scene":"",` + rest + `}`} {
		r := m.Call("alipay.fund.trans.uni.transfer", biz)
		expect(t, r, "code", "40004", "sub_code", "INVALID_PARAMETER")
		if sub, _ := r["sub_msg"].(string); !strings.Contains(sub, "biz_scene") {
			t.Errorf("sub_msg %q does not name biz_scene", sub)
		}
	}
	expect(t, m.Call("alipay.fund.trans.uni.transfer", `{"out_biz_no":"BS1","biz_scene":"DIRECT_TRANSFER",`+rest+`}`), "code", "10000", "status", "SUCCESS")
}

// A buyer the control API (a page, a scenario) takes by its logon alone
// is a known payee by that logon (docs/transfers.md): a logon is a phone
// number or e-mail for the buyer as for the payee (fixtures.IsLogonID),
// so a logon of another shape is refused when named, not taken for a
// buyer who then cannot be paid (PAYEE_NOT_EXIST).
func TestNamedBuyerCanBePaidByItsLogon(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	for i, logon := range []string{"named@example.com", "13800138009"} {
		out := "NBL-T" + strconv.Itoa(i)
		expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"`+out+`","total_amount":"100.00","subject":"s"}`), "code", "10000")
		m.Control("POST", "/trades/"+out+"/pay?app_id="+keys.DevCertAppID, map[string]string{"buyer_logon_id": logon}, http.StatusOK)
		biz := `{"out_biz_no":"NBL-P` + strconv.Itoa(i) + `","trans_amount":"1.00","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER",` +
			`"order_title":"t","transfer_scene_name":"佣金报酬","payee_info":{"identity":"` + logon + `","identity_type":"ALIPAY_LOGON_ID","name":"张三"}}`
		expect(t, m.Call("alipay.fund.trans.uni.transfer", biz), "code", "10000")
	}
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"NBL-X","total_amount":"100.00","subject":"s"}`), "code", "10000")
	out := string(m.Control("POST", "/trades/NBL-X/pay?app_id="+keys.DevCertAppID, map[string]string{"buyer_logon_id": "some-buyer"}, http.StatusBadRequest))
	if !strings.Contains(out, "phone number") || !strings.Contains(out, "e-mail") {
		t.Errorf("a logon of neither shape: %s", out)
	}
}
