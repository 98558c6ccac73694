package client_test

import (
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

var appEpoch = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

// appResult is what the Alipay app SDK hands back, as the control API
// shows it.
type appResult struct {
	Memo         string `json:"memo"`
	Result       string `json:"result"`
	ResultStatus string `json:"resultStatus"`
}

// The result node's fields in production's order (the App支付同步通知参数说明
// example and results apps received): code, msg, app_id, auth_app_id,
// charset, timestamp, out_trade_no, total_amount, trade_no, seller_id.
var tradeResultShape = regexp.MustCompile(`^\{"alipay_trade_app_pay_response":\{"code":"10000","msg":"Success","app_id":"9021000100000001","auth_app_id":"9021000100000001","charset":"utf-8","timestamp":"2026-11-23 10:00:00","out_trade_no":"APP1","total_amount":"9.90","trade_no":"\d{28}","seller_id":"2088\d{12}"\},"sign":"[A-Za-z0-9+/=]{344}","sign_type":"RSA2"\}$`)

func TestE2EAppPayResult(t *testing.T) {
	m := mocktest.Start(t, mock.Options{Clock: clock.NewManual(appEpoch)})
	c := m.Client(nil)
	order := func(out string) string {
		s, err := c.AppPayOrderString(client.AppPayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: 990, Subject: "应用"}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	verify := func(r appResult, out string) *client.AppPayResult {
		t.Helper()
		if r.ResultStatus != "9000" || r.Memo != "" {
			t.Errorf("resultStatus %q memo %q", r.ResultStatus, r.Memo)
		}
		v, err := c.VerifyAppPayResult(r.Result)
		if err != nil {
			t.Fatalf("VerifyAppPayResult(%s): %v", r.Result, err)
		}
		if v.Method != "alipay.trade.app.pay" || v.OutTradeNo != out || v.TotalAmount != 990 || v.TradeNo == "" || v.SellerID == "" {
			t.Errorf("verified result %+v", v)
		}
		return v
	}

	t.Run("POST /_mock/app-pay", func(t *testing.T) {
		var paid struct {
			TradeNo      string    `json:"trade_no"`
			TradeStatus  string    `json:"trade_status"`
			AppPayResult appResult `json:"app_pay_result"`
		}
		m.ControlJSON("POST", "/app-pay", map[string]string{"order_string": order("APP1"), "action": "pay"}, http.StatusOK, &paid)
		if paid.TradeStatus != "TRADE_SUCCESS" {
			t.Fatalf("app pay answered %+v", paid)
		}
		if !tradeResultShape.MatchString(paid.AppPayResult.Result) {
			t.Errorf("result not in production's shape:\n%s", paid.AppPayResult.Result)
		}
		if v := verify(paid.AppPayResult, "APP1"); v.TradeNo != paid.TradeNo {
			t.Errorf("trade_no %s, want %s", v.TradeNo, paid.TradeNo)
		}
		// Asked again later, the same result.
		var again appResult
		m.ControlJSON("GET", "/trades/APP1/app-pay-result", nil, http.StatusOK, &again)
		if again != paid.AppPayResult {
			t.Errorf("GET app-pay-result %+v\nwant %+v", again, paid.AppPayResult)
		}
		// A result whose node was changed does not verify.
		forged := strings.Replace(again.Result, `"total_amount":"9.90"`, `"total_amount":"0.01"`, 1)
		if _, err := c.VerifyAppPayResult(forged); err == nil {
			t.Error("a forged result verified")
		}
		// Another app's client refuses it.
		other := m.Client(func(cfg *client.Config) { cfg.AppID = "9021000100000009" })
		if _, err := other.VerifyAppPayResult(again.Result); !errors.Is(err, client.ErrOtherApp) {
			t.Errorf("another app: %v", err)
		}
	})

	t.Run("cashier", func(t *testing.T) {
		resp, err := noRedirect.Post(m.Srv.GatewayURL(), "application/x-www-form-urlencoded", strings.NewReader(order("APP2")))
		if err != nil {
			t.Fatal(err)
		}
		cashier := cashierURL(t, resp)
		// Unpaid: no result yet.
		m.Control("GET", "/trades/APP2/app-pay-result", nil, http.StatusConflict)
		page, err := noRedirect.PostForm(cashier, map[string][]string{"action": {"pay"}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(page.Body)
		page.Body.Close()
		var r appResult
		m.ControlJSON("GET", "/trades/APP2/app-pay-result", nil, http.StatusOK, &r)
		verify(r, "APP2")
		// The cashier page shows the result for the app to hand on.
		shown := regexp.MustCompile(`(?s)<pre id="app-pay-result">(.*?)</pre>`).FindSubmatch(body)
		var onPage appResult
		if shown == nil || json.Unmarshal([]byte(html.UnescapeString(string(shown[1]))), &onPage) != nil || onPage != r {
			t.Errorf("cashier page result %q, want %+v", shown, r)
		}
	})

	t.Run("scenario then.buyer", func(t *testing.T) {
		m.Control("POST", "/scenarios", map[string]any{"name": "app-buyer", "rules": []any{map[string]any{
			"when": map[string]any{"method": "alipay.trade.app.pay"},
			"then": map[string]any{"buyer": map[string]any{"pay_after": "1s"}}}}}, http.StatusCreated)
		resp, err := noRedirect.Post(m.Srv.GatewayURL(), "application/x-www-form-urlencoded", strings.NewReader(order("APP3")))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		m.Advance("1s")
		var r appResult
		m.ControlJSON("GET", "/trades/APP3/app-pay-result", nil, http.StatusOK, &r)
		v := verify(r, "APP3")
		if v.Timestamp != timestamp.Format(appEpoch.Add(time.Second)) {
			t.Errorf("timestamp %s, want the payment's time", v.Timestamp)
		}
	})

	t.Run("not app pay", func(t *testing.T) {
		if _, err := c.Precreate(t.Context(), client.PrecreateRequest{Order: client.Order{OutTradeNo: "QR1", TotalAmount: 100, Subject: "扫码"}}); err != nil {
			t.Fatal(err)
		}
		buyer(t, m.Srv, "pay", "QR1", nil)
		m.Control("GET", "/trades/QR1/app-pay-result", nil, http.StatusConflict)
	})
}

func TestE2ECouponAppPayResult(t *testing.T) {
	m := newCouponMock(t, nil)
	s, err := m.c.CouponAppPayOrderString(client.CouponAppPayRequest{CouponOrder: client.CouponOrder{
		OutOrderNo: "AR1", OutRequestNo: "AR1-pay", OrderTitle: "App 红包", Amount: 888}})
	if err != nil {
		t.Fatal(err)
	}
	var paid struct {
		AuthNo       string    `json:"auth_no"`
		AppPayResult appResult `json:"app_pay_result"`
	}
	m.control("POST", "/app-pay", map[string]string{"order_string": s, "action": "pay"}, http.StatusOK, &paid)
	r := paid.AppPayResult
	if r.ResultStatus != "9000" || !strings.HasPrefix(r.Result, `{"alipay_fund_coupon_order_app_pay_response":{"code":"10000","msg":"Success",`) {
		t.Fatalf("result %+v", r)
	}
	v, err := m.c.VerifyAppPayResult(r.Result)
	if err != nil {
		t.Fatal(err)
	}
	if v.Method != "alipay.fund.coupon.order.app.pay" || v.AuthNo != paid.AuthNo || v.OutOrderNo != "AR1" || v.OutRequestNo != "AR1-pay" ||
		v.Amount != 888 || v.Status != "SUCCESS" || v.OperationID == "" || v.GmtTrans != m.at(0) {
		t.Errorf("verified %+v", v)
	}
	var again appResult
	m.control("GET", "/red-packets/AR1/app-pay-result", nil, http.StatusOK, &again)
	if again != r {
		t.Errorf("GET app-pay-result %+v, want %+v", again, r)
	}
}

// merchant_order_no sent with page, wap or app pay is kept on the trade
// and comes back in the signed return_url parameters and the app result;
// an order without one returns none.
func TestE2EMerchantOrderNo(t *testing.T) {
	m := mocktest.Start(t, mock.Options{Clock: clock.NewManual(appEpoch)})
	c := m.Client(nil)
	const returnURL = "http://shop.test/return"
	open := map[string]func(out, mo string) *http.Response{
		"page": func(out, mo string) *http.Response {
			u, err := c.PagePayURL(client.PagePayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: 990, Subject: "s"}, MerchantOrderNo: mo, ReturnURL: returnURL})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := noRedirect.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		},
		"wap": func(out, mo string) *http.Response {
			u, err := c.WapPayURL(client.WapPayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: 990, Subject: "s"}, MerchantOrderNo: mo, ReturnURL: returnURL})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := noRedirect.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		},
	}
	for _, kind := range []string{"page", "wap"} {
		for _, mo := range []string{"ORIG-" + kind, ""} {
			t.Run(kind+" "+mo, func(t *testing.T) {
				out := "MO-" + kind + mo
				back := payAtCashier(t, cashierURL(t, open[kind](out, mo)))
				r, err := http.NewRequest(http.MethodGet, back, nil)
				if err != nil {
					t.Fatal(err)
				}
				v, err := c.VerifyReturn(r)
				if err != nil {
					t.Fatalf("VerifyReturn(%s): %v", back, err)
				}
				if _, has := v["merchant_order_no"]; v.Get("out_trade_no") != out || v.Get("merchant_order_no") != mo || has != (mo != "") {
					t.Errorf("return params %v, want merchant_order_no %q", v, mo)
				}
				var tr map[string]any
				m.ControlJSON("GET", "/trades/"+out, nil, http.StatusOK, &tr)
				if got, _ := tr["merchant_order_no"].(string); got != mo {
					t.Errorf("trade keeps merchant_order_no %q, want %q", got, mo)
				}
			})
		}
	}
	for _, mo := range []string{"ORIG-APP", ""} {
		t.Run("app "+mo, func(t *testing.T) {
			out := "MO-app" + mo
			s, err := c.AppPayOrderString(client.AppPayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: 990, Subject: "s"}, MerchantOrderNo: mo})
			if err != nil {
				t.Fatal(err)
			}
			var paid struct {
				AppPayResult appResult `json:"app_pay_result"`
			}
			m.ControlJSON("POST", "/app-pay", map[string]string{"order_string": s, "action": "pay"}, http.StatusOK, &paid)
			v, err := c.VerifyAppPayResult(paid.AppPayResult.Result)
			if err != nil {
				t.Fatal(err)
			}
			if v.OutTradeNo != out || v.MerchantOrderNo != mo || strings.Contains(paid.AppPayResult.Result, "merchant_order_no") != (mo != "") {
				t.Errorf("app result %s, want merchant_order_no %q", paid.AppPayResult.Result, mo)
			}
		})
	}
	// Longer than 32 characters: refused as a bad parameter.
	u, err := c.PagePayURL(client.PagePayRequest{Order: client.Order{OutTradeNo: "MO-long", TotalAmount: 990, Subject: "s"},
		MerchantOrderNo: strings.Repeat("9", 33), ReturnURL: returnURL})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := noRedirect.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusFound || !strings.Contains(string(body), "merchant_order_no长度不能超过32") {
		t.Errorf("33 characters: %s %s", resp.Status, body)
	}
}
