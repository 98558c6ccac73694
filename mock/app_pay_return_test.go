package mock_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// App pay has no browser return: the Alipay app hands the result to the
// merchant's app (#app-pay-result on the cashier), and "当面付和APP支付不支持
// return_url参数，即使设置了也没有任何效果" (https://blog.csdn.net/weixin_43166475/article/details/118962334;
// inferred). An app pay trade or red packet with a return_url, paid on the
// cashier, stays there with the app pay result: no signed
// method=alipay.trade.app.pay.return, which production never makes.
func TestAppPayCashierIgnoresReturnURL(t *testing.T) {
	m := mocktest.New(t, mock.Options{FundPublicKey: true})
	withReturn := func(p map[string]string) { p["return_url"] = "https://shop.example/return" }
	for _, tc := range []struct{ name, method, biz, ref, page string }{
		{"trade", "alipay.trade.app.pay", `{"out_trade_no":"APP","total_amount":"1.00","subject":"s","product_code":"QUICK_MSECURITY_PAY"}`, "/trades/APP", "/cashier/"},
		{"red packet", "alipay.fund.coupon.order.app.pay", `{"out_order_no":"APP-RP","out_request_no":"APP-RP-pay","order_title":"红包","amount":"8.88"}`, "/red-packets/APP-RP", "/cashier/coupon/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os := mocktest.Form(m.Params(tc.method, tc.biz, withReturn)).Encode()
			m.Control(http.MethodPost, "/app-pay", map[string]string{"order_string": os}, http.StatusOK)
			var got map[string]any
			m.ControlJSON(http.MethodGet, tc.ref, nil, http.StatusOK, &got)
			token, _ := got["cashier_token"].(string)
			if token == "" {
				t.Fatalf("no cashier token in %v", got)
			}
			resp, body := cashierPost(t, m.URL+tc.page+token, url.Values{"action": {"pay"}})
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="app-pay-result"`) {
				t.Errorf("paid on the cashier: HTTP %d to %.90s…, want the cashier with the app pay result", resp.StatusCode, loc)
			}
		})
	}
}
