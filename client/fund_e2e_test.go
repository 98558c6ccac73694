package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// payee is a fake Alipay user the mock accepts (a well-shaped user id).
const payee = "2088000000000777"

// scene is the transfer scene a transfer reports (transfer_scene_name).
const scene = "佣金报酬"

func devSeller(t *testing.T, m *mocktest.Mock) string {
	t.Helper()
	a, ok := m.Srv.Apps.Get(keys.DevCertAppID)
	if !ok {
		t.Fatal("no dev app")
	}
	return a.Seller.UserID
}

func balanceOf(t *testing.T, c *client.Client, seller string) client.AccountQueryResponse {
	t.Helper()
	a, err := c.AccountQuery(context.Background(), client.AccountQueryRequest{AlipayUserID: seller})
	if err != nil {
		t.Fatal(err)
	}
	return *a
}

// A transfer succeeds at once, takes its amount off the balance, is found
// by each of its numbers, and answers a repeat with the same transfer.
func TestE2ETransfer(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	c := m.Client(nil)
	ctx := context.Background()
	seller := devSeller(t, m)

	before := balanceOf(t, c, seller)
	if before.AvailableAmount != fund.DefaultOpening || before.FreezeAmount != 0 {
		t.Fatalf("opening balance %+v, want %s", before, fund.DefaultOpening)
	}
	info := client.TransferSceneReportInfo{InfoType: "佣金报酬说明", InfoContent: "11月报酬"}
	req := client.TransferRequest{TransferSceneName: scene, OutBizNo: "T1", TransAmount: amount.MustParse("12.34"), OrderTitle: "提现",
		PayeeInfo:                client.Participant{Identity: payee, IdentityType: client.PayeeUserID, Name: "张三"},
		TransferSceneReportInfos: []client.TransferSceneReportInfo{info}}
	r, err := c.Transfer(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != "SUCCESS" || r.OutBizNo != "T1" || len(r.OrderID) != 32 || len(r.PayFundOrderID) != 32 ||
		r.TransDate != timestamp.Format(m.Clock.Now()) {
		t.Fatalf("transfer = %+v", r)
	}
	if after := balanceOf(t, c, seller); after.AvailableAmount != before.AvailableAmount-amount.MustParse("12.34") {
		t.Fatalf("balance %s after 12.34 out of %s", after.AvailableAmount, before.AvailableAmount)
	}
	// The same request again: the same transfer, no money moved twice.
	again, err := c.Transfer(ctx, req)
	if err != nil || again.OrderID != r.OrderID || again.PayFundOrderID != r.PayFundOrderID || again.Status != "SUCCESS" {
		t.Fatalf("repeat = %+v %v, want %+v", again, err, r)
	}
	if after := balanceOf(t, c, seller); after.AvailableAmount != before.AvailableAmount-amount.MustParse("12.34") {
		t.Fatalf("a repeat moved money: %s", after.AvailableAmount)
	}
	for _, q := range []client.TransferQueryRequest{{OutBizNo: "T1"}, {OrderID: r.OrderID}, {PayFundOrderID: r.PayFundOrderID},
		{OutBizNo: "nope", OrderID: r.OrderID}} {
		got, err := c.TransferQuery(ctx, q)
		if err != nil {
			t.Fatalf("query %+v: %v", q, err)
		}
		if got.Status != "SUCCESS" || got.OrderID != r.OrderID || got.OutBizNo != "T1" || got.PayFundOrderID != r.PayFundOrderID ||
			got.TransAmount != amount.MustParse("12.34") || got.PayDate != r.TransDate || got.ErrorCode != "" {
			t.Fatalf("query %+v = %+v", q, got)
		}
	}

	// v3: the same book behind POST /v3/alipay/fund/trans/uni/transfer and
	// the GET query routes.
	var v3 client.TransferResponse
	if err := c.V3(ctx, "alipay.fund.trans.uni.transfer", client.TransferRequest{TransferSceneName: scene, OutBizNo: "T2", TransAmount: amount.MustParse("1.00"),
		ProductCode: client.TransferProductCode, BizScene: client.TransferBizScene,
		PayeeInfo: client.Participant{Identity: "someone@example.com", IdentityType: client.PayeeLogonID, Name: "李四"}}, &v3); err != nil {
		t.Fatal(err)
	}
	if v3.Status != "SUCCESS" || v3.OrderID == "" {
		t.Fatalf("v3 transfer %+v", v3)
	}
	var v3q client.TransferQueryResponse
	if err := c.V3(ctx, "alipay.fund.trans.common.query", client.TransferQueryRequest{OrderID: v3.OrderID}, &v3q); err != nil || v3q.OutBizNo != "T2" {
		t.Fatalf("v3 query %+v %v", v3q, err)
	}
	var v3a client.AccountQueryResponse
	if err := c.V3(ctx, "alipay.fund.account.query", client.AccountQueryRequest{AlipayUserID: seller, AccountType: client.AccountTypeBalance}, &v3a); err != nil ||
		v3a.AvailableAmount != before.AvailableAmount-amount.MustParse("13.34") {
		t.Fatalf("v3 account %+v %v", v3a, err)
	}
	// The account by the merchant's open id for the app.
	if a, err := c.AccountQuery(ctx, client.AccountQueryRequest{AlipayOpenID: fixtures.OpenID(keys.DevCertAppID, seller)}); err != nil || a.AvailableAmount != v3a.AvailableAmount {
		t.Fatalf("by open id %+v %v", a, err)
	}

	// The control API lists them; a reset forgets them and the balance.
	var list []fund.Transfer
	m.ControlJSON("GET", "/transfers?app_id="+keys.DevCertAppID, nil, http.StatusOK, &list)
	if len(list) != 2 || list[0].OutBizNo != "T1" || list[1].PayeeUserID == "" || list[0].SceneName != scene ||
		len(list[0].SceneReportInfos) != 1 || list[0].SceneReportInfos[0] != (fund.SceneReportInfo{InfoType: info.InfoType, InfoContent: info.InfoContent}) {
		t.Fatalf("control list %+v", list)
	}
	m.Control("POST", "/reset?app_id="+keys.DevCertAppID, nil, http.StatusOK)
	_, err = c.TransferQuery(ctx, client.TransferQueryRequest{OutBizNo: "T1"})
	wantAPIError(t, err, "40004", "ORDER_NOT_EXIST")
	if a := balanceOf(t, c, seller); a.AvailableAmount != fund.DefaultOpening {
		t.Fatalf("balance after reset %s", a.AvailableAmount)
	}
}

// Each business error with production's sub_code, and nothing recorded.
func TestE2ETransferErrors(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	c := m.Client(nil)
	ctx := context.Background()
	seller := devSeller(t, m)

	// A buyer the mock knows: its real name is checked.
	p, err := c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "P1", TotalAmount: amount.MustParse("1.00"), Subject: "s"},
		AuthCode: "286648048691290423"})
	if err != nil {
		t.Fatal(err)
	}
	var tr struct {
		Buyer fixtures.Buyer `json:"buyer"`
	}
	m.ControlJSON("GET", "/trades/P1", nil, http.StatusOK, &tr)
	if tr.Buyer.Name == "" || tr.Buyer.UserID != p.BuyerUserID {
		t.Fatalf("trade buyer %+v", tr.Buyer)
	}
	yuan := amount.MustParse("1.00")
	user := func(id string) client.Participant {
		return client.Participant{Identity: id, IdentityType: client.PayeeUserID}
	}
	for _, tc := range []struct {
		name    string
		req     client.TransferRequest
		subCode string
		says    string
	}{
		{"below 0.1 yuan", client.TransferRequest{TransferSceneName: scene, OutBizNo: "E1", TransAmount: amount.MustParse("0.09"), PayeeInfo: user(payee)}, "EXCEED_LIMIT_SM_MIN_AMOUNT", "0.1"},
		{"over the single limit", client.TransferRequest{TransferSceneName: scene, OutBizNo: "E2", TransAmount: fund.MaxAmount + 1, PayeeInfo: user(payee)}, "EXCEED_LIMIT_SM_AMOUNT", ""},
		{"user id not 2088", client.TransferRequest{TransferSceneName: scene, OutBizNo: "E3", TransAmount: yuan, PayeeInfo: user("1088000000000777")}, "PAYEE_NOT_EXIST", ""},
		{"open id of the wrong shape", client.TransferRequest{TransferSceneName: scene, OutBizNo: "E4", TransAmount: yuan,
			PayeeInfo: client.Participant{Identity: "not-an-open-id", IdentityType: client.PayeeOpenID}}, "PAYEE_NOT_EXIST", ""},
		{"logon id neither phone nor e-mail", client.TransferRequest{TransferSceneName: scene, OutBizNo: "E5", TransAmount: yuan,
			PayeeInfo: client.Participant{Identity: "bob", IdentityType: client.PayeeLogonID, Name: "Bob"}}, "PAYEE_NOT_EXIST", ""},
		{"known buyer, wrong name", client.TransferRequest{TransferSceneName: scene, OutBizNo: "E6", TransAmount: yuan,
			PayeeInfo: client.Participant{Identity: p.BuyerUserID, IdentityType: client.PayeeUserID, Name: tr.Buyer.Name + "X"}}, "PAYEE_USER_INFO_ERROR", ""},
		{"known buyer by open id, wrong name", client.TransferRequest{TransferSceneName: scene, OutBizNo: "E7", TransAmount: yuan,
			PayeeInfo: client.Participant{Identity: fixtures.OpenID(keys.DevCertAppID, p.BuyerUserID), IdentityType: client.PayeeOpenID, Name: "nobody"}}, "PAYEE_USER_INFO_ERROR", ""},
		{"logon id without name", client.TransferRequest{TransferSceneName: scene, OutBizNo: "E8", TransAmount: yuan,
			PayeeInfo: client.Participant{Identity: "a@example.com", IdentityType: client.PayeeLogonID}}, "INVALID_PARAMETER", "name"},
		{"unknown identity type", client.TransferRequest{TransferSceneName: scene, OutBizNo: "E9", TransAmount: yuan,
			PayeeInfo: client.Participant{Identity: payee, IdentityType: "BANKCARD_ACCOUNT"}}, "INVALID_PARAMETER", "identity_type"},
		{"no out_biz_no", client.TransferRequest{TransferSceneName: scene, TransAmount: yuan, PayeeInfo: user(payee)}, "INVALID_PARAMETER", "out_biz_no"},
		{"red packet product not signed", client.TransferRequest{TransferSceneName: scene, OutBizNo: "E10", TransAmount: yuan, ProductCode: "STD_RED_PACKET", PayeeInfo: user(payee)}, "PRODUCT_NOT_SIGN", ""},
		{"no transfer scene", client.TransferRequest{OutBizNo: "E13", TransAmount: yuan, PayeeInfo: user(payee)}, "TRANSFER_SCENE_NAME_BLANK", ""},
		{"a report info type twice", client.TransferRequest{TransferSceneName: scene, OutBizNo: "E14", TransAmount: yuan, PayeeInfo: user(payee),
			TransferSceneReportInfos: []client.TransferSceneReportInfo{{InfoType: "佣金报酬说明", InfoContent: "a"}, {InfoType: "佣金报酬说明", InfoContent: "b"}}}, "INVALID_PARAMETER", "info_type"},
		{"paying oneself", client.TransferRequest{TransferSceneName: scene, OutBizNo: "E11", TransAmount: yuan, PayeeInfo: user(seller)}, "PAYER_PAYEE_CANNOT_SAME", ""},
		{"paying oneself by open id", client.TransferRequest{TransferSceneName: scene, OutBizNo: "E12", TransAmount: yuan,
			PayeeInfo: client.Participant{Identity: fixtures.OpenID(keys.DevCertAppID, seller), IdentityType: client.PayeeOpenID}}, "PAYER_PAYEE_CANNOT_SAME", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Transfer(ctx, tc.req)
			e := wantAPIError(t, err, "40004", tc.subCode)
			if !strings.Contains(e.SubMsg, tc.says) {
				t.Errorf("sub_msg %q does not say %q", e.SubMsg, tc.says)
			}
		})
	}
	// The known buyer with the right name, by open id: paid.
	ok, err := c.Transfer(ctx, client.TransferRequest{TransferSceneName: scene, OutBizNo: "K1", TransAmount: yuan,
		PayeeInfo: client.Participant{Identity: fixtures.OpenID(keys.DevCertAppID, p.BuyerUserID), IdentityType: client.PayeeOpenID, Name: tr.Buyer.Name}})
	if err != nil || ok.Status != "SUCCESS" {
		t.Fatalf("known buyer, right name: %+v %v", ok, err)
	}

	// The same out_biz_no with another amount or payee.
	_, err = c.Transfer(ctx, client.TransferRequest{TransferSceneName: scene, OutBizNo: "K1", TransAmount: amount.MustParse("2.00"),
		PayeeInfo: client.Participant{Identity: fixtures.OpenID(keys.DevCertAppID, p.BuyerUserID), IdentityType: client.PayeeOpenID, Name: tr.Buyer.Name}})
	wantAPIError(t, err, "40004", "PAYMENT_INFO_INCONSISTENCY")

	// Balance too low: set it through the control API.
	var b struct {
		Available amount.Amount `json:"available_amount"`
	}
	m.ControlJSON("POST", "/apps/"+keys.DevCertAppID+"/balance", map[string]string{"available_amount": "5.00"}, http.StatusOK, &b)
	if b.Available != amount.MustParse("5.00") {
		t.Fatalf("set balance answered %+v", b)
	}
	_, err = c.Transfer(ctx, client.TransferRequest{TransferSceneName: scene, OutBizNo: "B1", TransAmount: amount.MustParse("5.01"), PayeeInfo: user(payee)})
	wantAPIError(t, err, "40004", "PAYER_BALANCE_NOT_ENOUGH")
	if r, err := c.Transfer(ctx, client.TransferRequest{TransferSceneName: scene, OutBizNo: "B1", TransAmount: amount.MustParse("5.00"), PayeeInfo: user(payee)}); err != nil || r.Status != "SUCCESS" {
		t.Fatalf("the whole balance: %+v %v", r, err)
	}
	if a := balanceOf(t, c, seller); a.AvailableAmount != 0 {
		t.Fatalf("balance %s, want 0", a.AvailableAmount)
	}

	// Queries and account queries refused.
	for _, q := range []client.TransferQueryRequest{{}, {OutBizNo: "K1", ProductCode: "x"}, {OrderID: "20261123110070000000000000000000"}} {
		_, err := c.TransferQuery(ctx, q)
		var e *client.Error
		if !asAPIError(err, &e) || (e.SubCode != "ORDER_NOT_EXIST" && e.SubCode != "INVALID_PARAMETER") {
			t.Errorf("query %+v: %v", q, err)
		}
	}
	_, err = c.AccountQuery(ctx, client.AccountQueryRequest{AlipayUserID: payee})
	wantAPIError(t, err, "40004", "INVALID_PARAMETER")
	_, err = c.AccountQuery(ctx, client.AccountQueryRequest{AlipayUserID: seller, AccountType: "OTHER"})
	wantAPIError(t, err, "40004", "INVALID_PARAMETER")
	// A bad balance through the control API.
	m.Control("POST", "/apps/"+keys.DevCertAppID+"/balance", map[string]string{"available_amount": "-1"}, http.StatusBadRequest)
	m.Control("POST", "/apps/2021000000000999/balance", map[string]string{"available_amount": "1"}, http.StatusNotFound)
}

// Payments bring money in less the bills' fee; refunds take it back with
// the fee given back.
func TestE2EBalanceFollowsPayments(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	c := m.Client(nil)
	ctx := context.Background()
	seller := devSeller(t, m)
	m.Control("POST", "/apps/"+keys.DevCertAppID+"/balance", map[string]string{"available_amount": "0"}, http.StatusOK)
	if _, err := c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "P1", TotalAmount: amount.MustParse("100.00"), Subject: "s"},
		AuthCode: "286648048691290423"}); err != nil {
		t.Fatal(err)
	}
	if a := balanceOf(t, c, seller); a.AvailableAmount != amount.MustParse("99.40") {
		t.Fatalf("after paying 100.00 at 0.6%%: %s", a.AvailableAmount)
	}
	if _, err := c.Refund(ctx, client.RefundRequest{OutTradeNo: "P1", RefundAmount: amount.MustParse("100.00")}); err != nil {
		t.Fatal(err)
	}
	if a := balanceOf(t, c, seller); a.AvailableAmount != 0 {
		t.Fatalf("after the full refund: %s", a.AvailableAmount)
	}
}

// Each status through a scenario, with the message production sends to
// the app gateway at each change.
func TestE2ETransferStatuses(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	gw := mocktest.NewMerchant(t, "success")
	m.Control("POST", "/apps", map[string]string{"app_id": keys.DevCertAppID, "app_cert": string(keys.DevCertAppCertPEM()),
		"sign_type": "RSA2", "app_gateway_url": gw.URL + "/gateway"}, http.StatusCreated)
	c := m.Client(nil)
	ctx := context.Background()
	seller := devSeller(t, m)
	m.Control("POST", "/scenarios", map[string]any{"name": "transfer-statuses", "rules": []any{
		map[string]any{"when": map[string]any{"method": "alipay.fund.trans.uni.transfer", "biz": map[string]any{"out_biz_no": "D1"}},
			"then": map[string]any{"transfer": map[string]any{"status": "DEALING", "after": "1h"}}},
		map[string]any{"when": map[string]any{"method": "alipay.fund.trans.uni.transfer", "biz": map[string]any{"out_biz_no": "R1"}},
			"then": map[string]any{"transfer": map[string]any{"status": "REFUND"}}},
		map[string]any{"when": map[string]any{"method": "alipay.fund.trans.uni.transfer", "biz": map[string]any{"out_biz_no": "F1"}},
			"then": map[string]any{"transfer": map[string]any{"status": "FAIL"}}},
	}}, http.StatusCreated)
	ten := amount.MustParse("10.00")
	send := func(out string) *client.TransferResponse {
		t.Helper()
		r, err := c.Transfer(ctx, client.TransferRequest{TransferSceneName: scene, OutBizNo: out, TransAmount: ten,
			PayeeInfo: client.Participant{Identity: payee, IdentityType: client.PayeeUserID}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	query := func(out string) *client.TransferQueryResponse {
		t.Helper()
		q, err := c.TransferQuery(ctx, client.TransferQueryRequest{OutBizNo: out})
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	start := balanceOf(t, c, seller).AvailableAmount

	if r := send("F1"); r.Status != "FAIL" || r.PayFundOrderID != "" || r.TransDate != "" {
		t.Fatalf("FAIL answered %+v", r)
	}
	if q := query("F1"); q.Status != "FAIL" || q.ErrorCode != fund.FailCode || q.FailReason == "" || q.PayDate != "" {
		t.Fatalf("FAIL queried %+v", q)
	}
	if r := send("D1"); r.Status != "DEALING" || r.PayFundOrderID == "" {
		t.Fatalf("DEALING answered %+v", r)
	}
	if r := send("R1"); r.Status != "DEALING" {
		t.Fatalf("REFUND starts DEALING: %+v", r)
	}
	if a := balanceOf(t, c, seller); a.AvailableAmount != start-2*ten || a.FreezeAmount != 2*ten {
		t.Fatalf("two DEALING of 10.00: %+v from %s", a, start)
	}

	m.Advance("5m") // the REFUND's default
	if q := query("R1"); q.Status != "REFUND" || q.ErrorCode != fund.FailCode || q.TransAmount != 0 {
		t.Fatalf("after 5m R1 %+v", q)
	}
	if q := query("D1"); q.Status != "DEALING" {
		t.Fatalf("after 5m D1 %+v", q)
	}
	m.Advance("55m")
	if q := query("D1"); q.Status != "SUCCESS" || q.TransAmount != ten {
		t.Fatalf("after 1h D1 %+v", q)
	}
	if a := balanceOf(t, c, seller); a.AvailableAmount != start-ten || a.FreezeAmount != 0 {
		t.Fatalf("after: %+v, want one 10.00 out of %s", a, start)
	}

	// Messages: F1 FAIL, D1 DEALING, R1 DEALING, R1 REFUND, D1 SUCCESS.
	list := m.WaitNotifications(notifyFilter(keys.DevCertAppID), 5)
	var got []string
	for _, n := range list {
		var biz map[string]any
		if err := json.Unmarshal([]byte(n.Params["biz_content"]), &biz); err != nil || n.Params["msg_method"] != "alipay.fund.trans.order.changed" {
			t.Fatalf("message %+v", n.Params)
		}
		got = append(got, biz["out_biz_no"].(string)+":"+biz["status"].(string))
		if n.URL != gw.URL+"/gateway" {
			t.Errorf("message to %s", n.URL)
		}
	}
	if strings.Join(got, " ") != "F1:FAIL D1:DEALING R1:DEALING R1:REFUND D1:SUCCESS" {
		t.Fatalf("messages %v", got)
	}
}

func notifyFilter(app string) notify.Filter { return notify.Filter{AppID: app} }

func asAPIError(err error, e **client.Error) bool { return errors.As(err, e) }

// The magic amounts of transfers work with no scenario loaded.
func TestE2ETransferMagicAmounts(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	c := m.Client(nil)
	ctx := context.Background()
	send := func(out, amt string) (*client.TransferResponse, error) {
		return c.Transfer(ctx, client.TransferRequest{TransferSceneName: scene, OutBizNo: out, TransAmount: amount.MustParse(amt),
			PayeeInfo: client.Participant{Identity: payee, IdentityType: client.PayeeUserID}})
	}
	for amt, sub := range map[string]string{"40004.11": "PAYEE_NOT_EXIST", "40004.12": "PAYEE_USER_INFO_ERROR", "40004.13": "PAYER_BALANCE_NOT_ENOUGH"} {
		_, err := send("M"+amt, amt)
		wantAPIError(t, err, "40004", sub)
	}
	_, err := send("M20000.01", "20000.01")
	wantAPIError(t, err, "20000", "isp.unknow-error")
	if q, err := c.TransferQuery(ctx, client.TransferQueryRequest{OutBizNo: "M20000.01"}); err != nil || q.Status != "SUCCESS" {
		t.Fatalf("20000.01 is done: %+v %v", q, err)
	}
	for amt, want := range map[string]string{"30001.00": "DEALING", "30002.00": "FAIL", "30003.00": "DEALING"} {
		if r, err := send("M"+amt, amt); err != nil || r.Status != want {
			t.Fatalf("%s: %+v %v, want %s", amt, r, err, want)
		}
	}
	m.Advance("5m")
	for amt, want := range map[string]string{"30001.00": "SUCCESS", "30002.00": "FAIL", "30003.00": "REFUND"} {
		if q, err := c.TransferQuery(ctx, client.TransferQueryRequest{OutBizNo: "M" + amt}); err != nil || q.Status != want {
			t.Fatalf("%s after 5m: %+v %v, want %s", amt, q, err, want)
		}
	}
}

// Two apps may use the same out_trade_no: each one's payment counts in its
// own balance, whichever the book files first under that number.
func TestE2EBalanceCountsEveryAppsTradeWithASharedOutTradeNo(t *testing.T) {
	m := mocktest.New(t, mock.Options{FundPublicKey: true})
	const other = "2021000000000078"
	m.Control("POST", "/apps", map[string]any{"app_id": other, "public_key": string(keys.DevFile("app_public_key.pem"))}, http.StatusCreated)
	ctx := context.Background()
	for _, app := range []string{keys.DevAppID, other} {
		m.Control("POST", "/apps/"+app+"/balance", map[string]string{"available_amount": "0"}, http.StatusOK)
		c := m.Client(func(c *client.Config) { c.AppID = app })
		if _, err := c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "SAME", TotalAmount: amount.MustParse("100.00"), Subject: "s"},
			AuthCode: "286648048691290423"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, app := range []string{keys.DevAppID, other} {
		a, ok := m.Srv.Apps.Get(app)
		if !ok {
			t.Fatal("no app", app)
		}
		c := m.Client(func(c *client.Config) { c.AppID = app })
		if got := balanceOf(t, c, a.Seller.UserID); got.AvailableAmount != amount.MustParse("99.40") {
			t.Fatalf("app %s: balance %s after paying 100.00 at 0.6%%", app, got.AvailableAmount)
		}
	}
}
