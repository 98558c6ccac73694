package mock_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/clock"
)

// layoutWidths are the widths every page must fit: a laptop and a phone.
var layoutWidths = []struct {
	name          string
	width, height int64
	mobile        bool
}{{"desktop", 1280, 800, false}, {"mobile", 390, 844, true}}

// layout is what a page's script measures at one width.
type layout struct {
	// ScrollWidth and ClientWidth are the document's: more scroll width
	// than client width is a horizontal scroll bar.
	ScrollWidth, ClientWidth int
	// WideTables are the dashboard lists wider than their box.
	WideTables []string
	// WrappedDates are date cells that take more than one line.
	WrappedDates []string
	// Untitled are cut-off cells whose full text is not in a title.
	Untitled []string
}

const measureLayout = `(() => {
  const d = document.documentElement, out = {ScrollWidth: d.scrollWidth, ClientWidth: d.clientWidth, WideTables: [], WrappedDates: [], Untitled: []};
  for (const t of document.querySelectorAll("table.list")) {
    if (t.offsetWidth > t.parentElement.clientWidth) out.WideTables.push((t.id || t.className) + ": " + t.offsetWidth + " > " + t.parentElement.clientWidth);
  }
  for (const c of document.querySelectorAll(".time")) {
    if (!c.textContent.trim()) continue;
    const r = document.createRange(); r.selectNodeContents(c);
    const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
    if (tops.size > 1) out.WrappedDates.push(c.textContent.trim());
  }
  for (const c of document.querySelectorAll(".trunc")) {
    if ((c.scrollWidth > c.clientWidth || c.scrollHeight > c.clientHeight) && c.title !== c.textContent.trim()) out.Untitled.push(c.textContent.trim());
  }
  return out;
})()`

// The buyer pages and every dashboard page fit a 1280 px laptop and a
// 390 px phone without a horizontal scroll bar; at 1280 the dashboard's
// lists fit their box (long values wrap, or are cut with the full text in
// a title) and dates stay on one line. With UPDATE_SCREENSHOTS=1 the test
// also writes each page at each width to docs/screenshots for
// docs/pages.md.
func TestBrowserPagesFitDesktopAndPhone(t *testing.T) {
	ctx := browser(t)
	// A stopped clock and a seed: the screenshots change only when a page does.
	srv := mock.NewTestServer(t, mock.Options{FundPublicKey: true, Seed: 14,
		Clock: clock.NewManual(time.Date(2026, 11, 23, 10, 0, 0, 0, time.FixedZone("GMT+8", 8*3600))),
		Apps: []apps.Spec{{AppID: "2021000100000002", Name: "Long Shop Name Trading Co., Ltd. (sandbox storefront)",
			PublicKey: string(keys.DevFile("app_public_key.pem")), SignType: "RSA2", SellerEmail: "payments-team@merchant.example.com",
			Methods: []string{"alipay.trade.precreate", "alipay.trade.page.pay", "alipay.trade.wap.pay", "alipay.trade.query",
				"alipay.trade.refund", "alipay.trade.close", "alipay.fund.coupon.order.page.pay", "alipay.fund.coupon.order.disburse"}}}})
	s := newShop(t, srv)
	bg := context.Background()
	long := "ORDER-" + strings.Repeat("0123456789", 5) + "-LONG"
	subject := "年货节礼盒 Spring Festival gift box with a rather long English description"
	pre, err := s.c.Precreate(bg, client.PrecreateRequest{Order: client.Order{OutTradeNo: long,
		TotalAmount: amount.MustParse("1288.00"), Subject: subject}}, client.WithNotifyURL(s.URL+"/notify"))
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range []string{"pay", "close", ""} {
		out := fmt.Sprintf("SHOP-2026-%d", i)
		if _, err := s.c.Precreate(bg, client.PrecreateRequest{Order: client.Order{OutTradeNo: out,
			TotalAmount: amount.MustParse("9.90"), Subject: "奶茶 milk tea"}}); err != nil {
			t.Fatal(err)
		}
		if st != "" {
			post(t, srv.URL()+"/_mock/trades/"+out+"/"+st)
		}
	}
	cashier, err := s.c.PagePayURL(client.PagePayRequest{Order: client.Order{OutTradeNo: "PAGE-PAY-1",
		TotalAmount: amount.MustParse("66.60"), Subject: "一本书 A book"}})
	if err != nil {
		t.Fatal(err)
	}
	packet, err := s.c.CouponPagePayURL(client.CouponPagePayRequest{CouponOrder: client.CouponOrder{OutOrderNo: "RED-PACKET-1",
		OutRequestNo: "RED-PACKET-1-pay", OrderTitle: "新年红包 New Year red packet", Amount: amount.MustParse("88.88")}})
	if err != nil {
		t.Fatal(err)
	}

	type page struct {
		name    string
		load    chromedp.Tasks
		dash    bool   // a dashboard page: its lists must fit at 1280
		contain string // text the page must show, to know it is the right one
	}
	pay := chromedp.Tasks{chromedp.WaitVisible("#pay", chromedp.ByQuery),
		chromedp.SendKeys(`input[name="buyer_logon_id"]`, "13800138000", chromedp.ByQuery),
		chromedp.Click("#pay", chromedp.ByQuery), chromedp.WaitVisible("#message", chromedp.ByQuery)}
	var packetURL string
	pages := []page{
		{name: "qr", load: chromedp.Tasks{chromedp.Navigate(pre.QRCode)}, contain: "扫码支付"},
		{name: "cashier", load: chromedp.Tasks{chromedp.Navigate(cashier)}, contain: "66.60"},
		{name: "cashier-paid", load: pay, contain: "Payment successful"},
		{name: "coupon-cashier", load: chromedp.Tasks{chromedp.Navigate(packet), chromedp.Location(&packetURL)}, contain: "Sender"},
		{name: "coupon-cashier-paid", load: pay, contain: "Payment successful"},
		{name: "missing", load: chromedp.Tasks{chromedp.Navigate(srv.URL() + "/cashier/no-such-token")}, contain: "订单不存在或已失效"},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) { checkLayout(ctx, t, p.name, p.load, false, p.contain) })
	}
	if !strings.Contains(packetURL, "/cashier/coupon/") {
		t.Fatalf("red packet page pay went to %q", packetURL)
	}

	// The red packet is paid: one claim from it, so the list has both kinds.
	var paid struct {
		AuthNo string `json:"auth_no"`
	}
	getJSON(t, srv.URL()+"/_mock/red-packets/RED-PACKET-1", &paid)
	if _, err := s.c.CouponDisburse(bg, client.CouponDisburseRequest{OutOrderNo: "RED-PACKET-1-CLAIM-1", OutRequestNo: "RED-PACKET-1-CLAIM-1",
		DeductAuthNo: paid.AuthNo, OrderTitle: "拼手气红包 Lucky draw", Amount: amount.MustParse("8.88"), PayeeLogonID: "claimer@example.com"}); err != nil {
		t.Fatal(err)
	}
	post(t, srv.URL()+"/_mock/trades/"+long+"/pay")
	if resp, err := http.Get(srv.URL() + "/_mock/notifications?state=delivered&wait=10s&out_trade_no=" + long); err == nil {
		resp.Body.Close()
	}
	var trade struct {
		TradeNo string `json:"trade_no"`
	}
	getJSON(t, srv.URL()+"/_mock/trades/"+long, &trade)
	if _, err := s.c.Transfer(bg, client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: "PAYOUT-" + strings.Repeat("9", 40), TransAmount: amount.MustParse("12.50"),
		OrderTitle: "佣金提现 Commission withdrawal for the month", PayeeInfo: client.Participant{Identity: "payee.with.a.long.address@example.com",
			IdentityType: client.PayeeLogonID, Name: "欧阳娜娜"}}); err != nil {
		t.Fatal(err)
	}
	ui := srv.URL() + "/_mock/ui"
	dash := []page{
		{name: "dashboard-overview", contain: "Long Shop Name Trading Co."},
		{name: "dashboard-trades", contain: long},
		{name: "dashboard-trade", contain: subject},
		{name: "dashboard-red-packets", contain: "RED-PACKET-1-CLAIM-1"},
		{name: "dashboard-red-packet", contain: "新年红包"},
		{name: "dashboard-transfers", contain: "PAYOUT-9999"},
		{name: "dashboard-notifications", contain: long},
		{name: "dashboard-journal", contain: "alipay.fund.coupon.order.disburse"},
		{name: "dashboard-journal-entry", contain: "Parameters"},
		{name: "dashboard-clock", contain: "2026-11-23"},
		{name: "dashboard-scenarios", contain: "Scope"},
	}
	paths := map[string]string{"dashboard-overview": "", "dashboard-trades": "/trades", "dashboard-trade": "/trades/" + trade.TradeNo,
		"dashboard-red-packets": "/red-packets", "dashboard-red-packet": "/red-packets/" + paid.AuthNo,
		"dashboard-transfers":     "/transfers?app_id=9021000100000001",
		"dashboard-notifications": "/notifications", "dashboard-journal": "/journal", "dashboard-journal-entry": "/journal/1",
		"dashboard-clock": "/clock", "dashboard-scenarios": "/scenarios"}
	for _, p := range dash {
		t.Run(p.name, func(t *testing.T) {
			checkLayout(ctx, t, p.name, chromedp.Tasks{chromedp.Navigate(ui + paths[p.name])}, true, p.contain)
		})
	}

	// Last, so the ids it draws move no other page's: the authorisation
	// page of sign-in with Alipay, and its error page.
	signIn := []page{
		{name: "sign-in", load: chromedp.Tasks{chromedp.Navigate(s.c.AuthorizeURL(client.ScopeAuthUser,
			"https://shop.example/alipay/callback?from=checkout", "state-1"))}, contain: "公开信息"},
		{name: "sign-in-error", load: chromedp.Tasks{chromedp.Navigate(srv.URL() + "/oauth2/publicAppAuthorize.htm?app_id=2021999999999999")},
			contain: "应用不存在"},
	}
	for _, p := range signIn {
		t.Run(p.name, func(t *testing.T) { checkLayout(ctx, t, p.name, p.load, false, p.contain) })
	}
}

// checkLayout loads a page once, then measures it (and, with
// UPDATE_SCREENSHOTS=1, photographs it) at each of layoutWidths.
func checkLayout(ctx context.Context, t *testing.T, name string, load chromedp.Tasks, dash bool, contain string) {
	t.Helper()
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(layoutWidths[0].width, layoutWidths[0].height), load,
		chromedp.WaitReady("body", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	var body string
	if err := chromedp.Run(ctx, chromedp.Text("body", &body, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, contain) {
		t.Fatalf("the page does not show %q: %.600s", contain, body)
	}
	for _, w := range layoutWidths {
		opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
		if w.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		var l layout
		if err := chromedp.Run(ctx, chromedp.EmulateViewport(w.width, w.height, opts...),
			// a frame later the page is laid out at the new width
			chromedp.Evaluate(`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))`, nil,
				func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
			chromedp.Evaluate(measureLayout, &l)); err != nil {
			t.Fatal(err)
		}
		if l.ScrollWidth > l.ClientWidth {
			t.Errorf("%s at %d px: scrolls sideways (%d px of content in %d)", name, w.width, l.ScrollWidth, l.ClientWidth)
		}
		if dash && !w.mobile && len(l.WideTables) > 0 {
			t.Errorf("%s at %d px: lists wider than the page: %v", name, w.width, l.WideTables)
		}
		if dash && !w.mobile && len(l.WrappedDates) > 0 {
			t.Errorf("%s at %d px: dates on more than one line: %q", name, w.width, l.WrappedDates)
		}
		if len(l.Untitled) > 0 {
			t.Errorf("%s at %d px: cut-off cells without their text in a title: %q", name, w.width, l.Untitled)
		}
		if os.Getenv("UPDATE_SCREENSHOTS") == "1" {
			var png []byte
			if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join("..", "docs", "screenshots", name+"-"+w.name+".png")
			if err := os.WriteFile(file, png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := chromedp.Run(ctx, emulation.ClearDeviceMetricsOverride()); err != nil {
		t.Fatal(err)
	}
}

func post(t *testing.T, u string) {
	t.Helper()
	resp, err := http.Post(u, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: HTTP %d", u, resp.StatusCode)
	}
}
