package mock_test

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// rvrpCall signs a request of app with the dev key and returns the node.
func rvrpCall(m *mocktest.Mock, app, method, biz string) map[string]any {
	m.T.Helper()
	return m.Verify(method, m.Post(m.Params(method, biz, func(p map[string]string) { p["app_id"] = app })), true)
}

// rvrpBillDetail downloads a bill_download_url and returns the detail
// file's text (the zip's first entry), decoded from GBK.
func rvrpBillDetail(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET bill: HTTP %d %s", resp.StatusCode, b)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil || len(zr.File) == 0 {
		t.Fatalf("bill zip: %v", err)
	}
	f, _ := zr.File[0].Open()
	raw, _ := io.ReadAll(f)
	text, err := simplifiedchinese.GBK.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	return string(text)
}

// A trade bill is the merchant account's (#账号：[<PID>0156], file
// <PID>0156_<date>.csv.zip; Alipay: "userId参数是下载的账单对应的用户的pid后拼接上0156",
// https://developer.aliyun.com/article/707638), so two apps of one merchant
// (the same seller_id) download the same bill holding both apps' trades.
// The mock builds it from the calling app's trades only: each app's file
// names the same account yet misses the other app's payments, and a
// reconciliation job run through either app comes up short.
func TestRvrpTradeBillIsTheMerchantAccountsNotTheApps(t *testing.T) {
	const seller = "2088102146225135"
	const appA, appB = "2021000000000051", "2021000000000052"
	pub := string(keys.DevFile("app_public_key.pem"))
	m := mocktest.New(t, mock.Options{Apps: []apps.Spec{
		{AppID: appA, PublicKey: pub, SellerID: seller},
		{AppID: appB, PublicKey: pub, SellerID: seller},
	}}) // 2026-11-23 10:00 GMT+8
	for _, c := range []struct{ app, out string }{{appA, "RVRP-A"}, {appB, "RVRP-B"}} {
		expect(t, rvrpCall(m, c.app, "alipay.trade.pay", `{"out_trade_no":"`+c.out+`","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`),
			"code", "10000")
	}
	m.Advance("24h")
	r := rvrpCall(m, appA, "alipay.data.dataservice.bill.downloadurl.query", `{"bill_type":"trade","bill_date":"2026-11-23"}`)
	expect(t, r, "code", "10000")
	u, _ := r["bill_download_url"].(string)
	if !strings.Contains(u, "userId="+seller+"0156") {
		t.Fatalf("bill url %s is not the merchant account's", u)
	}
	detail := rvrpBillDetail(t, u)
	for _, out := range []string{"RVRP-A\t", "RVRP-B\t"} {
		if !strings.Contains(detail, out) {
			t.Errorf("the bill of account %s0156 lacks %s, a payment to that account through its other app:\n%s", seller, out, detail)
		}
	}
}
