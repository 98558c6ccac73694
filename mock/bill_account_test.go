package mock_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A trade bill is the merchant account's (#账号：[<PID>0156], file
// <PID>0156_<date>.csv.zip; Alipay: "userId参数是下载的账单对应的用户的pid后拼接上0156",
// https://developer.aliyun.com/article/707638), so two apps of one merchant
// (the same seller_id) download the same bill holding both apps' trades,
// and an ISV acting for one of them (app_auth_token) gets it too; an app
// of another seller's trades are not in it. The account bill (账务明细) is
// the merchant account's too, as its balance is (docs/transfers.md): both
// apps' payments, its last 账户余额 what alipay.fund.account.query answers
// either app. The same in memory and with --data, across a restart.
func TestTradeBillIsTheMerchantAccountsNotTheApps(t *testing.T) {
	const seller = "2088102146225135"
	const appA, appB, appC = "2021000000000051", "2021000000000052", "2021000000000053"
	pub := string(keys.DevFile("app_public_key.pem"))
	for _, data := range []bool{false, true} {
		name := "memory"
		if data {
			name = "data"
		}
		t.Run(name, func(t *testing.T) {
			o := mock.Options{FundPublicKey: true, Apps: []apps.Spec{
				{AppID: appA, PublicKey: pub, SellerID: seller},
				{AppID: appB, PublicKey: pub, SellerID: seller},
				{AppID: appC, PublicKey: pub, SellerID: "2088102146225136"},
			}}
			if data {
				o.DataDir = t.TempDir()
			}
			m := mocktest.New(t, o) // 2026-11-23 10:00 GMT+8
			as := func(app string) *client.Client { return m.Client(func(c *client.Config) { c.AppID = app }) }
			ctx := context.Background()
			for _, c := range []struct{ app, out string }{{appA, "TBA-A"}, {appB, "TBA-B"}, {appC, "TBA-C"}} {
				if _, err := as(c.app).Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: c.out, TotalAmount: amount.MustParse("1.00"), Subject: "s"},
					Scene: "bar_code", AuthCode: "283912345678901234"}); err != nil {
					t.Fatalf("pay %s through %s: %v", c.out, c.app, err)
				}
			}
			if data {
				m = restart(t, m, o)
				as = func(app string) *client.Client { return m.Client(func(c *client.Config) { c.AppID = app }) }
			}
			m.Advance("24h")
			var code struct {
				Code string `json:"app_auth_code"`
			}
			m.ControlJSON(http.MethodPost, "/app-auth-codes", map[string]string{"app_id": keys.DevAppID, "merchant_app_id": appA}, http.StatusCreated, &code)
			isv := m.Client(nil)
			tok, err := isv.ExchangeAppAuthCode(ctx, code.Code)
			if err != nil {
				t.Fatal(err)
			}
			bills := map[string]string{
				appA:                  billDetail(t, as(appA), client.BillTrade, "2026-11-23"),
				appB:                  billDetail(t, as(appB), client.BillTrade, "2026-11-23"),
				"an ISV acting for A": billDetail(t, isv, client.BillTrade, "2026-11-23", client.WithAppAuthToken(tok.AppAuthToken)),
			}
			for who, detail := range bills {
				if !strings.Contains(detail, "#账号：["+seller+"0156]") {
					t.Errorf("the trade bill %s downloads is not account %s0156's:\n%s", who, seller, detail)
				}
				for _, out := range []string{"TBA-A\t", "TBA-B\t"} {
					if !strings.Contains(detail, out) {
						t.Errorf("the trade bill %s downloads lacks %s, a payment to account %s0156:\n%s", who, out, seller, detail)
					}
				}
				if strings.Contains(detail, "TBA-C\t") {
					t.Errorf("the trade bill %s downloads holds TBA-C, another seller's payment:\n%s", who, detail)
				}
			}
			for _, app := range []string{appA, appB} {
				ledger := billDetail(t, as(app), client.BillSignCustomer, "2026-11-23")
				bal, err := as(app).AccountQuery(ctx, client.AccountQueryRequest{AlipayUserID: seller})
				if err != nil {
					t.Fatal(err)
				}
				if bal.AvailableAmount != amount.MustParse("1000001.98") || !strings.Contains(ledger, "TBA-A\t") || !strings.Contains(ledger, "TBA-B\t") ||
					strings.Contains(ledger, "TBA-C\t") || !strings.Contains(ledger, ",1000001.98,") {
					t.Errorf("app %s: balance %s; account bill: want both apps' payments, not TBA-C, ending at the merchant's balance 1000001.98:\n%s",
						app, bal.AvailableAmount, ledger)
				}
			}
		})
	}
}
