package mock_test

// The cashier's trades (page, wap and app pay) and the buyer: when the
// trade exists for the merchant, where the buyer goes back, and what a
// reused out_trade_no gets. First written as reviewer rv-a's proof tests.

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// cashierNoRedirect shows redirects instead of following them.
var cashierNoRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// openCashier sends the browser's request of a page or wap pay URL to the
// gateway and returns the cashier page it is sent to, without opening it.
func openCashier(t *testing.T, m *mocktest.Mock, u string) string {
	t.Helper()
	resp, err := cashierNoRedirect.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	cashier := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.Contains(cashier, "/cashier/") {
		t.Fatalf("gateway: HTTP %d %q %s", resp.StatusCode, cashier, b)
	}
	if !strings.HasPrefix(cashier, "http") {
		cashier = m.URL + cashier
	}
	return cashier
}

// cashierPost posts a buyer's action on the cashier page and returns the
// answer, its body read and closed, without following a redirect.
func cashierPost(t *testing.T, cashier string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := cashierNoRedirect.PostForm(cashier, form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// Production creates a page pay trade only when the buyer scans the
// cashier's QR code or logs in, and a wap or app pay trade when the buyer
// logs in or enters the payment password (Alipay support's 交易状态问题解析,
// https://developer.aliyun.com/article/707649). Before that the merchant's
// query and close answer ACQ.TRADE_NOT_EXIST and cancel finds nothing, as
// for an unscanned precreate; opening the cashier page is not acting.
func TestPagePayTradeHiddenUntilTheBuyerActs(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	c := m.Client(nil)
	o := func(out string) client.Order {
		return client.Order{OutTradeNo: out, TotalAmount: amount.MustParse("9.90"), Subject: "s"}
	}
	for _, tc := range []struct {
		name string
		url  func(out string) (string, error)
	}{
		{"page", func(out string) (string, error) { return c.PagePayURL(client.PagePayRequest{Order: o(out)}) }},
		{"wap", func(out string) (string, error) { return c.WapPayURL(client.WapPayRequest{Order: o(out)}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := "HIDDEN-" + tc.name
			u, err := tc.url(out)
			if err != nil {
				t.Fatal(err)
			}
			cashier := openCashier(t, m, u)
			pageText(t, http.MethodGet, cashier, nil) // the buyer looks, and does nothing
			for _, method := range []string{"alipay.trade.query", "alipay.trade.close"} {
				expect(t, m.Call(method, `{"out_trade_no":"`+out+`"}`), "code", "40004", "sub_code", "ACQ.TRADE_NOT_EXIST")
			}
			if q, err := c.Query(context.Background(), client.QueryRequest{OutTradeNo: out}); err == nil {
				t.Fatalf("no buyer yet: query answers %s %s", q.Code, q.TradeStatus)
			}
			// The buyer logs in: the trade exists, waiting for payment.
			if resp, body := cashierPost(t, cashier, url.Values{"action": {"scan"}}); resp.StatusCode != http.StatusOK || !strings.Contains(body, "已登录") {
				t.Fatalf("log in: HTTP %d %s", resp.StatusCode, body)
			}
			q, err := c.Query(context.Background(), client.QueryRequest{OutTradeNo: out})
			if err != nil || q.TradeStatus != "WAIT_BUYER_PAY" || q.BuyerLogonID == "" {
				t.Fatalf("after the buyer logged in: %+v %v", q, err)
			}
		})
	}

	// App pay: the order string the Alipay app opens makes no trade yet;
	// the simulated buyer's scan (logging in) does.
	os, err := c.AppPayOrderString(client.AppPayRequest{Order: o("HIDDEN-app")})
	if err != nil {
		t.Fatal(err)
	}
	m.Control(http.MethodPost, "/app-pay", map[string]string{"order_string": os}, http.StatusOK)
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"HIDDEN-app"}`), "sub_code", "ACQ.TRADE_NOT_EXIST")
	m.Control(http.MethodPost, "/trades/HIDDEN-app/scan", nil, http.StatusOK)
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"HIDDEN-app"}`), "code", "10000", "trade_status", "WAIT_BUYER_PAY")

	// Paying is acting too: a wap trade paid at once exists, paid.
	u, err := c.WapPayURL(client.WapPayRequest{Order: o("HIDDEN-paid")})
	if err != nil {
		t.Fatal(err)
	}
	cashierPost(t, openCashier(t, m, u), url.Values{"action": {"pay"}})
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"HIDDEN-paid"}`), "code", "10000", "trade_status", "TRADE_SUCCESS")

	// show_unscanned (--show-unscanned, an app's show_unscanned) is the
	// one switch for every trade that waits for a buyer: with it, page
	// pay's trade answers WAIT_BUYER_PAY at once, as a precreate's does.
	shown := mocktest.New(t, mock.Options{Trades: trade.Options{ShowUnscanned: true}})
	u, err = shown.Client(nil).PagePayURL(client.PagePayRequest{Order: o("SHOWN-1")})
	if err != nil {
		t.Fatal(err)
	}
	openCashier(t, shown, u)
	expect(t, shown.Call("alipay.trade.query", `{"out_trade_no":"SHOWN-1"}`), "code", "10000", "trade_status", "WAIT_BUYER_PAY")
}

// Before any buyer, a merchant who gives up cancels: the answer is an
// unknown trade's and the cashier can no longer be paid; a hidden trade
// that times out notifies nothing, even with TRADE_CLOSED notices on.
func TestHiddenCashierTradeCancelledOrExpiredSilently(t *testing.T) {
	m := mocktest.New(t, mock.Options{Notify: notify.Options{Closed: notify.Always}})
	merchant := mocktest.NewMerchant(t, "success")
	c := m.Client(nil)
	u, err := c.PagePayURL(client.PagePayRequest{Order: client.Order{OutTradeNo: "HC-1", TotalAmount: amount.MustParse("1.00"),
		Subject: "s"}}, client.WithNotifyURL(merchant.URL))
	if err != nil {
		t.Fatal(err)
	}
	cashier := openCashier(t, m, u)
	cn := m.Call("alipay.trade.cancel", `{"out_trade_no":"HC-1"}`)
	expect(t, cn, "code", "10000", "retry_flag", "N")
	if _, ok := cn["action"]; ok {
		t.Errorf("cancel before any buyer carries an action: %v", cn)
	}
	if _, body := cashierPost(t, cashier, url.Values{"action": {"pay"}}); !strings.Contains(body, "TRADE_CLOSED") {
		t.Errorf("the cashier of a cancelled order still takes payment: %s", body)
	}

	u, err = c.WapPayURL(client.WapPayRequest{Order: client.Order{OutTradeNo: "HC-2", TotalAmount: amount.MustParse("1.00"),
		Subject: "s", TimeoutExpress: "5m"}}, client.WithNotifyURL(merchant.URL))
	if err != nil {
		t.Fatal(err)
	}
	openCashier(t, m, u)
	m.Advance("10m")
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"HC-2"}`), "sub_code", "ACQ.TRADE_NOT_EXIST")
	if n := m.Srv.Notifier.Outbox().List(notify.Filter{}); len(n) != 0 {
		t.Fatalf("notifications for trades no buyer saw: %+v", n)
	}
}

// An out_trade_no that page, wap or app pay (or create) opened is that
// method's trade: a precreate on it answers ACQ.CONTEXT_INCONSISTENT, never
// 10000 with a qr_code that opens nothing, and a barcode pay does not pay
// it. The page pay trade is still the buyer's to pay.
func TestPrecreateOverAnotherMethodsTradeIsRefused(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	c := m.Client(nil)
	o := client.Order{OutTradeNo: "OTHER-1", TotalAmount: amount.MustParse("9.90"), Subject: "s"}
	u, err := c.PagePayURL(client.PagePayRequest{Order: o})
	if err != nil {
		t.Fatal(err)
	}
	cashier := openCashier(t, m, u)
	biz := `{"out_trade_no":"OTHER-1","total_amount":"9.90","subject":"s"}`
	expect(t, m.Call("alipay.trade.precreate", biz), "code", "40004", "sub_code", "ACQ.CONTEXT_INCONSISTENT")
	expect(t, m.Call("alipay.trade.pay", `{"out_trade_no":"OTHER-1","total_amount":"9.90","subject":"s","scene":"bar_code","auth_code":"281234567890123456"}`),
		"code", "40004", "sub_code", "ACQ.CONTEXT_INCONSISTENT")
	if p, err := c.Precreate(context.Background(), client.PrecreateRequest{Order: o}); err == nil {
		t.Fatalf("precreate after page pay: code %s, qr_code %q", p.Code, p.QRCode)
	}
	if resp, _ := cashierPost(t, cashier, url.Values{"action": {"pay"}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("pay at the cashier: HTTP %d", resp.StatusCode)
	}
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"OTHER-1"}`), "trade_status", "TRADE_SUCCESS", "buyer_pay_amount", "9.90")

	// create's trade too; the same method again is still the same trade.
	create := `{"out_trade_no":"OTHER-2","total_amount":"1.00","subject":"s","buyer_id":"2088102177846880"}`
	no := m.Call("alipay.trade.create", create)["trade_no"]
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"OTHER-2","total_amount":"1.00","subject":"s"}`), "sub_code", "ACQ.CONTEXT_INCONSISTENT")
	expect(t, m.Call("alipay.trade.create", create), "code", "10000", "trade_no", no.(string))
}

// An ISV's page pay (app_auth_token): the cashier's return names the ISV
// as app_id and the merchant as auth_app_id, as notifications and the app
// pay result do, so the ISV's own client accepts its return.
func TestCashierReturnNamesTheISVAsAppID(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	c := m.Client(nil)
	var code struct {
		Code string `json:"app_auth_code"`
	}
	m.ControlJSON(http.MethodPost, "/app-auth-codes", map[string]string{"app_id": keys.DevAppID}, http.StatusCreated, &code)
	tok, err := c.ExchangeAppAuthCode(context.Background(), code.Code)
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.PagePayURL(client.PagePayRequest{Order: client.Order{OutTradeNo: "ISV-RET", TotalAmount: amount.MustParse("9.90"),
		Subject: "s"}, ReturnURL: "https://isv.example/return"}, client.WithAppAuthToken(tok.AppAuthToken))
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := cashierPost(t, openCashier(t, m, u), url.Values{"action": {"pay"}})
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || back.Host != "isv.example" {
		t.Fatalf("pay: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	q := back.Query()
	if q.Get("app_id") != keys.DevAppID || q.Get("auth_app_id") != tok.AuthAppID || tok.AuthAppID == keys.DevAppID {
		t.Errorf("return: app_id %s auth_app_id %s; want the ISV %s and the merchant %s", q.Get("app_id"), q.Get("auth_app_id"), keys.DevAppID, tok.AuthAppID)
	}
	req, _ := http.NewRequest(http.MethodGet, back.String(), nil)
	if _, err := c.VerifyReturn(req); err != nil {
		t.Errorf("the ISV's client refuses its own return: %v", err)
	}
}

// A wap pay's quit_url is where the H5 cashier's quit button goes
// (https://developer.aliyun.com/article/710963), plain; without one the
// buyer stays on the cashier. Quitting leaves the trade to time out, and
// never sends an unsigned hit to return_url.
func TestWapQuitGoesToQuitURLAndLeavesTheTrade(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	c := m.Client(nil)
	wap := func(out, quit string) string {
		u, err := c.WapPayURL(client.WapPayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse("9.90"), Subject: "wap"},
			QuitURL: quit, ReturnURL: "https://shop.example/return"})
		if err != nil {
			t.Fatal(err)
		}
		return openCashier(t, m, u)
	}
	cashier := wap("WAP-QUIT-1", "https://shop.example/quit")
	cashierPost(t, cashier, url.Values{"action": {"scan"}}) // logged in: the merchant sees the trade
	resp, _ := cashierPost(t, cashier, url.Values{"action": {"close"}})
	if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || got != "https://shop.example/quit" {
		t.Errorf("quit went to %q (HTTP %d), want the order's quit_url", got, resp.StatusCode)
	}
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"WAP-QUIT-1"}`), "code", "10000", "trade_status", "WAIT_BUYER_PAY")
	// The buyer may come back and pay.
	if resp, _ := cashierPost(t, cashier, url.Values{"action": {"pay"}}); resp.StatusCode != http.StatusFound ||
		!strings.HasPrefix(resp.Header.Get("Location"), "https://shop.example/return?") || !strings.Contains(resp.Header.Get("Location"), "sign=") {
		t.Errorf("pay after quitting: HTTP %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	cashier = wap("WAP-QUIT-2", "")
	resp, body := cashierPost(t, cashier, url.Values{"action": {"close"}})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" || !strings.Contains(body, "已退出") || !strings.Contains(body, `id="pay"`) {
		t.Errorf("quit without quit_url: HTTP %d to %q; want the cashier again, still payable:\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	m.Control(http.MethodPost, "/trades/WAP-QUIT-2/scan", nil, http.StatusOK)
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"WAP-QUIT-2"}`), "trade_status", "WAIT_BUYER_PAY")

	// A quit_url that is no http(s) URL is refused as return_url is.
	u, err := c.WapPayURL(client.WapPayRequest{Order: client.Order{OutTradeNo: "WAP-QUIT-3", TotalAmount: amount.MustParse("9.90"), Subject: "wap"},
		QuitURL: "javascript:alert(1)"})
	if err != nil {
		t.Fatal(err)
	}
	if _, body := pageText(t, http.MethodGet, u, nil); !strings.Contains(body, "quit_url") {
		t.Errorf("a javascript: quit_url was not refused:\n%s", body)
	}
}

// Cancelling on page pay's cashier does not send the browser to return_url
// unsigned: Alipay goes there only signed, after payment.
func TestPagePayCancelStaysOnTheCashier(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	c := m.Client(nil)
	u, err := c.PagePayURL(client.PagePayRequest{Order: client.Order{OutTradeNo: "PAGE-CANCEL", TotalAmount: amount.MustParse("9.90"),
		Subject: "s"}, ReturnURL: "https://shop.example/return"})
	if err != nil {
		t.Fatal(err)
	}
	resp, body := cashierPost(t, openCashier(t, m, u), url.Values{"action": {"close"}})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" || !strings.Contains(body, "已取消") {
		t.Errorf("cancel: HTTP %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// The red packet cashier's Cancel closes the order and stays on the
// cashier (已取消), as the trade cashier's does: the browser goes to
// return_url only signed, after payment.
func TestRedPacketCancelStaysOnTheCashier(t *testing.T) {
	h := newHarness(t, mock.Options{}).certApp()
	p := h.params("alipay.fund.coupon.order.page.pay", `{"out_order_no":"RP-CANCEL","out_request_no":"RP-CANCEL-pay","order_title":"红包","amount":"3.00"}`,
		func(m map[string]string) { m["return_url"] = "https://shop.example/return" })
	status, _, hdr := h.do(request{path: "/gateway.do?" + form(p).Encode()})
	cashier := hdr.Get("Location")
	if status != http.StatusFound || !strings.Contains(cashier, "/cashier/coupon/") {
		t.Fatalf("red packet page pay: HTTP %d Location %q", status, cashier)
	}
	status, body, hdr := h.do(request{method: http.MethodPost, path: cashier, body: "action=close",
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
	if status != http.StatusOK || hdr.Get("Location") != "" || !strings.Contains(body, "已取消") {
		t.Fatalf("cancel: HTTP %d to %q, want 200 and 已取消 on the cashier", status, hdr.Get("Location"))
	}
}

// A return_url with a fragment (an SPA's "https://shop/pay/result#top",
// or a hash route) gets the signed return parameters in its query, after
// the merchant's own and before the fragment: a browser never sends a
// fragment, so after the '#' the merchant's server could read none of
// them (production's answer to such a return_url is unpublished: inferred).
func TestCashierReturnURLFragmentStaysAfterTheParameters(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	c := m.Client(nil)
	u, err := c.PagePayURL(client.PagePayRequest{Order: client.Order{OutTradeNo: "RF-1", TotalAmount: amount.MustParse("9.90"),
		Subject: "s"}, ReturnURL: "https://shop.example/ret?x=1#top"})
	if err != nil {
		t.Fatal(err)
	}
	cashier := openCashier(t, m, u)
	resp, _ := cashierPost(t, cashier, url.Values{"action": {"pay"}})
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("pay: HTTP %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	q := loc.Query()
	if q.Get("sign") == "" || q.Get("out_trade_no") != "RF-1" || !strings.HasPrefix(loc.RawQuery, "x=1&") || loc.Fragment != "top" {
		t.Errorf("the return's query is %q and fragment %q: the signed parameters are not where the merchant's server can read them", loc.RawQuery, loc.Fragment)
	}
}
