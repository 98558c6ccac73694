package mock_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/journal"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// fundTransfer is a transfer production would accept from an app in
// certificate mode.
const fundTransfer = `{"out_biz_no":"FC1","trans_amount":"1.00","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER",` +
	`"order_title":"t","transfer_scene_name":"佣金报酬",` + scenePayee + `}`

// fundCalls are the fund methods answered through gateway.do's API (not
// pages), each with a biz_content the certificate-mode app may send.
var fundCalls = []struct{ method, biz string }{
	{"alipay.fund.trans.uni.transfer", fundTransfer},
	{"alipay.fund.trans.common.query", `{"out_biz_no":"FC1","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER"}`},
	{"alipay.fund.account.query", `{"alipay_user_id":"2088000000000777","account_type":"ACCTRANS_ACCOUNT"}`},
	{"alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"FCP","out_request_no":"FCP-pay","order_title":"红包","amount":"20.00","payer_user_id":"2088102000000001"}`},
	{"alipay.fund.coupon.order.disburse", `{"out_order_no":"FCP-C1","out_request_no":"1","deduct_auth_no":"2026112310002001000000000001","amount":"1.00","payee_user_id":"2088102000000101"}`},
	{"alipay.fund.coupon.order.refund", `{"out_order_no":"FCP-R1","out_request_no":"R1","deduct_auth_no":"2026112310002001000000000001","amount":"1.00"}`},
	{"alipay.fund.coupon.operation.query", `{"out_order_no":"FCP","out_request_no":"FCP-pay"}`},
}

// fundMethods are every fund method: fundCalls and the red packet pages.
var fundMethods = append([]string{"alipay.fund.coupon.order.app.pay", "alipay.fund.coupon.order.page.pay"}, func() (out []string) {
	for _, c := range fundCalls {
		out = append(out, c.method)
	}
	return out
}()...)

// A rule answering every fund method: it must not see a refused call.
var fundRule = map[string]any{"name": "fund-rule", "rules": []any{map[string]any{
	"when": map[string]any{"method": fundMethods},
	"then": map[string]any{"respond": map[string]any{"code": "40004", "sub_code": "RULE_ACTED", "sub_msg": "rule"}}}}}

// Production takes fund methods only from an app in certificate mode: an
// app in public-key mode (the dev app) is answered 40002
// isv.missing-app-cert-sn (yansongda/pay#325, Abbotton/alipay-sdk-php#28),
// before anything moves and before a scenario rule sees the call.
func TestFundMethodsRefuseAPublicKeyApp(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	m.Control("POST", "/scenarios", fundRule, http.StatusCreated)
	balance := string(m.Control("GET", "/apps/"+keys.DevAppID+"/balance", nil, http.StatusOK))
	for _, tc := range fundCalls {
		t.Run(tc.method, func(t *testing.T) {
			m := *m
			m.T = t
			expect(t, m.Call(tc.method, tc.biz), "code", "40002", "sub_code", "isv.missing-app-cert-sn", "sub_msg", "缺少应用公钥证书序列号")
		})
	}
	t.Run("page pay", func(t *testing.T) {
		p := m.Params("alipay.fund.coupon.order.page.pay", `{"out_order_no":"FCPG","out_request_no":"FCPG-pay","order_title":"红包","amount":"3.00"}`, nil)
		resp, err := http.Get(m.URL + "/gateway.do?" + mocktest.Form(p).Encode())
		if err != nil {
			t.Fatal(err)
		}
		page := string(m.Read(resp))
		if !strings.Contains(page, "错误代码 missing-app-cert-sn") || !strings.Contains(page, "缺少应用公钥证书序列号") {
			t.Errorf("page pay: want the error page, got %s", page)
		}
	})
	t.Run("app pay order string", func(t *testing.T) {
		p := m.Params("alipay.fund.coupon.order.app.pay", `{"out_order_no":"FCAP","out_request_no":"FCAP-pay","order_title":"红包","amount":"8.88"}`, nil)
		out := string(m.Control("POST", "/app-pay", map[string]string{"order_string": mocktest.Form(p).Encode()}, http.StatusBadRequest))
		if !strings.Contains(out, "isv.missing-app-cert-sn") {
			t.Errorf("order string: %s", out)
		}
	})

	if got := string(m.Control("GET", "/apps/"+keys.DevAppID+"/balance", nil, http.StatusOK)); got != balance {
		t.Errorf("balance moved: %s, was %s", got, balance)
	}
	for _, path := range []string{"/transfers", "/red-packets"} {
		var list []any
		m.ControlJSON("GET", path, nil, http.StatusOK, &list)
		if len(list) != 0 {
			t.Errorf("%s lists %v after refused calls", path, list)
		}
	}
	for _, e := range m.Srv.Journal.List(journal.Filter{Limit: 100}) {
		if e.Code != "40002" || e.SubCode != "isv.missing-app-cert-sn" || e.Rule != "" {
			t.Errorf("journal: %s answered %s %s, rule %q", e.Method, e.Code, e.SubCode, e.Rule)
		}
	}

	// The same rule acts for the certificate-mode app: it would have matched.
	expect(t, m.CertApp().Call("alipay.fund.account.query", fundCalls[2].biz), "code", "40004", "sub_code", "RULE_ACTED")
}

// A fund method refused to an app in public-key mode: the journal's
// explanation points to the certificate-mode dev app only when the mock
// serves it (not under --no-dev-app, the dev app given at start).
func TestFundRefusalNamesTheCertDevAppOnlyWhenServed(t *testing.T) {
	given := []apps.Spec{{AppID: keys.DevAppID, PublicKey: string(keys.DevFile("app_public_key.pem")), SignType: "RSA2"}}
	for _, tc := range []struct {
		opts  mock.Options
		named bool
	}{{mock.Options{}, true}, {mock.Options{NoDevApp: true, Apps: given}, false}} {
		m := mocktest.New(t, tc.opts)
		expect(t, m.Call("alipay.fund.account.query", fundCalls[2].biz), "code", "40002", "sub_code", "isv.missing-app-cert-sn")
		var entries []map[string]any
		m.ControlJSON(http.MethodGet, "/journal?limit=1", nil, http.StatusOK, &entries)
		if len(entries) != 1 {
			t.Fatalf("journal: %v", entries)
		}
		expl, _ := entries[0]["explanation"].(string)
		if strings.Contains(expl, keys.DevCertAppID) != tc.named {
			t.Errorf("NoDevApp %v: the explanation %q names %s: %v, want %v", tc.opts.NoDevApp, expl, keys.DevCertAppID, !tc.named, tc.named)
		}
	}
}

// Options.FundPublicKey (--fund-public-key) restores the acceptance.
func TestFundPublicKeyAcceptsAPublicKeyApp(t *testing.T) {
	m := mocktest.New(t, mock.Options{FundPublicKey: true})
	expect(t, m.Call("alipay.fund.trans.uni.transfer", fundTransfer), "code", "10000", "status", "SUCCESS")
	expect(t, m.Call("alipay.fund.coupon.order.agreement.pay", fundCalls[3].biz), "code", "10000", "status", "SUCCESS")
	p := m.Params("alipay.fund.coupon.order.page.pay", `{"out_order_no":"FCPG","out_request_no":"FCPG-pay","order_title":"红包","amount":"3.00"}`, nil)
	req, _ := http.NewRequest(http.MethodGet, m.URL+"/gateway.do?"+mocktest.Form(p).Encode(), nil)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"), "/cashier/coupon/") {
		t.Errorf("page pay: HTTP %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// The shipped certificate-mode dev app, another app of the dev app's
// merchant, transfers and pays red packets out of the box; --no-dev-app
// leaves both dev apps out.
func TestCertDevAppCallsFundMethods(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	var list []map[string]any
	m.ControlJSON("GET", "/apps", nil, http.StatusOK, &list)
	ids := map[string]bool{}
	for _, a := range list {
		ids[a["app_id"].(string)] = true
	}
	if !ids[keys.DevAppID] || !ids[keys.DevCertAppID] {
		t.Fatalf("apps %v, want both dev apps", ids)
	}
	dev, _ := m.Srv.Apps.Get(keys.DevAppID)
	if cert, _ := m.Srv.Apps.Get(keys.DevCertAppID); cert.Seller != dev.Seller || cert.CertSN != keys.DevCertAppCertSN() {
		t.Errorf("certificate-mode dev app: seller %+v (dev app's %+v), app_cert_sn %q", cert.Seller, dev.Seller, cert.CertSN)
	}
	c := m.CertApp().Client(nil)
	ctx := context.Background()
	r, err := c.Transfer(ctx, client.TransferRequest{OutBizNo: "CT1", TransAmount: amount.MustParse("1.00"), OrderTitle: "t",
		TransferSceneName: "佣金报酬", PayeeInfo: client.Participant{Identity: "2088000000000777", IdentityType: "ALIPAY_USER_ID"}})
	if err != nil || r.Status != "SUCCESS" {
		t.Fatalf("transfer: %+v %v", r, err)
	}
	expect(t, m.CertApp().Call("alipay.fund.coupon.order.agreement.pay", fundCalls[3].biz), "code", "10000", "status", "SUCCESS")

	none := mocktest.New(t, mock.Options{NoDevApp: true})
	var apps []any
	none.ControlJSON("GET", "/apps", nil, http.StatusOK, &apps)
	if len(apps) != 0 {
		t.Errorf("--no-dev-app: apps %v", apps)
	}
}

// v3's fund endpoints refuse an app in public-key mode likewise, in v3's
// shape: HTTP 400, code missing-app-cert-sn (inferred from gateway.do's
// answer and v3's mapping of other 40002s).
func TestV3FundRefusesAPublicKeyApp(t *testing.T) {
	e := newV3Env(t)
	r := e.do(v3Req{uri: "/v3/alipay/fund/trans/uni/transfer", body: fundTransfer})
	var body map[string]any
	_ = json.Unmarshal(r.body, &body)
	if r.status != http.StatusBadRequest || body["code"] != "missing-app-cert-sn" {
		t.Errorf("HTTP %d %s", r.status, r.body)
	}
	var transfers []any
	mocktest.On(t, e.srv).ControlJSON("GET", "/transfers", nil, http.StatusOK, &transfers)
	if len(transfers) != 0 {
		t.Errorf("transfers %v", transfers)
	}
	r = e.do(v3Req{uri: "/v3/alipay/fund/trans/uni/transfer", body: fundTransfer, appID: keys.DevCertAppID, certSN: keys.DevCertAppCertSN()})
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"SUCCESS"`) {
		t.Errorf("certificate-mode app: HTTP %d %s", r.status, r.body)
	}
}
