package mock_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// A page on another site may make the tester's browser post page methods
// (docs/security.md: "open the cashier of a page method it signs"), and
// nothing else. Each opens a cashier trade that does not exist for the
// merchant until a buyer acts (docs/pages.md), yet it counts against
// --keep-trades like a real one, so the page's form posts evict the
// merchant's paid trade: a record (and its money) lost to another site.
func TestRVCrossSitePagePayFloodEvictsPaidTrade(t *testing.T) {
	m := mocktest.New(t, mock.Options{Trades: trade.Options{Keep: 3}})
	paid := m.Call("alipay.trade.pay", `{"out_trade_no":"DEV-PAID","total_amount":"8.00","subject":"coffee","scene":"bar_code","auth_code":"286111111111111111"}`)
	if paid["code"] != "10000" {
		t.Fatalf("barcode pay: %v", paid)
	}
	// The other site's page: auto-submitted page pay forms, signed with the
	// public dev key, from the tester's browser.
	cross := map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example", "User-Agent": "Mozilla/5.0"}
	for i := range 3 {
		p := m.Params("alipay.trade.page.pay", fmt.Sprintf(`{"out_trade_no":"EVIL-%d","total_amount":"1.00","subject":"x","product_code":"FAST_INSTANT_TRADE_PAY"}`, i), nil)
		status, loc, body := sendGateway(t, m, http.MethodPost, p, cross)
		if status != http.StatusFound || !strings.Contains(loc, "/cashier/") {
			t.Fatalf("page pay %d from another site: HTTP %d %q %s", i, status, loc, body)
		}
	}
	// None of the cashier trades exists for the merchant (no buyer acted).
	if q := m.Call("alipay.trade.query", `{"out_trade_no":"EVIL-0"}`); q["sub_code"] != "ACQ.TRADE_NOT_EXIST" {
		t.Fatalf("an unscanned cashier trade should not exist for the merchant: %v", q)
	}
	q := m.Call("alipay.trade.query", `{"out_trade_no":"DEV-PAID"}`)
	if q["trade_status"] != "TRADE_SUCCESS" {
		t.Fatalf("the merchant's paid trade was lost to another site's page pay forms (cashier trades no buyer opened evicted it): %v", q)
	}
}

// The same through the one app whose key everyone has: another site's page
// pay forms, signed with the public dev key for the dev app, evict the paid
// trade of the tester's own app, whose key no one else has. The sign-in and
// app authorisation books let a flood through one app evict only that
// app's entries while it holds the most (docs/security.md); the trade book
// lets it evict every other app's trades.
func TestRVDevAppPagePayFloodEvictsAnotherAppsPaidTrade(t *testing.T) {
	m := mocktest.New(t, twoMerchants(mock.Options{Trades: trade.Options{Keep: 3}}))
	asA := func(p map[string]string) { p["app_id"] = merchantAppA }
	paid := m.Verify("alipay.trade.pay", m.Post(m.Params("alipay.trade.pay",
		`{"out_trade_no":"OWN-PAID","total_amount":"8.00","subject":"coffee","scene":"bar_code","auth_code":"286111111111111111"}`, asA)), true)
	if paid["code"] != "10000" {
		t.Fatalf("barcode pay: %v", paid)
	}
	cross := map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example", "User-Agent": "Mozilla/5.0"}
	for i := range 3 {
		p := m.Params("alipay.trade.page.pay", fmt.Sprintf(`{"out_trade_no":"EVIL-%d","total_amount":"1.00","subject":"x","product_code":"FAST_INSTANT_TRADE_PAY"}`, i), nil)
		if status, loc, body := sendGateway(t, m, http.MethodPost, p, cross); status != http.StatusFound {
			t.Fatalf("page pay %d from another site: HTTP %d %q %s", i, status, loc, body)
		}
	}
	q := m.Verify("alipay.trade.query", m.Post(m.Params("alipay.trade.query", `{"out_trade_no":"OWN-PAID"}`, asA)), true)
	if q["trade_status"] != "TRADE_SUCCESS" {
		t.Fatalf("app %s's paid trade was lost to another site's dev-app page pay forms: %v", merchantAppA, q)
	}
}

// Red packets too: another site's red-packet page pay forms (a page method,
// signed with the public dev certificate app's key) open orders no sender
// has paid, and they evict the tester's paid red packet.
func TestRVCrossSiteCouponPagePayFloodEvictsPaidRedPacket(t *testing.T) {
	m := mocktest.New(t, mock.Options{Coupons: coupon.Options{Keep: 3}}).CertApp()
	p := m.Params("alipay.fund.coupon.order.page.pay", `{"out_order_no":"DEV-RP","out_request_no":"DEV-RP-pay","order_title":"红包","amount":"3.00"}`, nil)
	if status, loc, body := sendGateway(t, m, http.MethodPost, p, nil); status != http.StatusFound {
		t.Fatalf("red packet page pay: HTTP %d %q %s", status, loc, body)
	}
	m.Control(http.MethodPost, "/red-packets/DEV-RP/pay", nil, http.StatusOK)
	m.Control(http.MethodGet, "/red-packets/DEV-RP", nil, http.StatusOK) // paid and kept
	cross := map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example", "User-Agent": "Mozilla/5.0"}
	for i := range 3 {
		p := m.Params("alipay.fund.coupon.order.page.pay", fmt.Sprintf(`{"out_order_no":"EVIL-RP-%d","out_request_no":"EVIL-RP-%d","order_title":"x","amount":"1.00"}`, i, i), nil)
		if status, loc, body := sendGateway(t, m, http.MethodPost, p, cross); status != http.StatusFound {
			t.Fatalf("red packet page pay %d from another site: HTTP %d %q %s", i, status, loc, body)
		}
	}
	m.Control(http.MethodGet, "/red-packets/DEV-RP", nil, http.StatusOK)
}
