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
// merchant until a buyer acts (docs/pages.md): such trades are counted
// apart against --keep-trades and evict only their own kind, so the
// page's form posts never evict the merchant's paid trade (before, they
// counted like the others and the oldest went: the paid one).
func TestCrossSitePagePayFormsDoNotEvictPaidTrades(t *testing.T) {
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
// pay forms, signed with the public dev key for the dev app, do not evict
// the paid trade of the tester's own app, whose key no one else has.
func TestDevAppPagePayFormsKeepAnotherAppsPaidTrade(t *testing.T) {
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
// has paid, counted apart against --keep-red-packets: the tester's paid
// red packet stays.
func TestCrossSiteRedPacketPagePayFormsDoNotEvictPaidRedPackets(t *testing.T) {
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

// One app's flood of trades the merchant sees (the dev app's key is
// public: anyone can pay by barcode with it) evicts that app's own while
// it holds the most, as the sign-in books' bounds do (docs/security.md):
// another app's paid trade stays. Before, the oldest trade overall went.
func TestAFloodOfPaidTradesEvictsOnlyItsOwnApps(t *testing.T) {
	m := mocktest.New(t, twoMerchants(mock.Options{Trades: trade.Options{Keep: 3}}))
	asA := func(p map[string]string) { p["app_id"] = merchantAppA }
	barcode := func(out string) string {
		return `{"out_trade_no":"` + out + `","total_amount":"1.00","subject":"s","scene":"bar_code","auth_code":"286111111111111111"}`
	}
	if r := m.Verify("alipay.trade.pay", m.Post(m.Params("alipay.trade.pay", barcode("OWN-PAID"), asA)), true); r["code"] != "10000" {
		t.Fatalf("barcode pay: %v", r)
	}
	for i := range 5 {
		if r := m.Call("alipay.trade.pay", barcode(fmt.Sprintf("FLOOD-%d", i))); r["code"] != "10000" {
			t.Fatalf("flood pay %d: %v", i, r)
		}
	}
	q := m.Verify("alipay.trade.query", m.Post(m.Params("alipay.trade.query", `{"out_trade_no":"OWN-PAID"}`, asA)), true)
	if q["trade_status"] != "TRADE_SUCCESS" {
		t.Fatalf("app %s's paid trade was evicted by the dev app's flood: %v", merchantAppA, q)
	}
	for i, want := range []string{"ACQ.TRADE_NOT_EXIST", "ACQ.TRADE_NOT_EXIST", "ACQ.TRADE_NOT_EXIST", "", ""} {
		q := m.Call("alipay.trade.query", fmt.Sprintf(`{"out_trade_no":"FLOOD-%d"}`, i))
		if got, _ := q["sub_code"].(string); got != want {
			t.Errorf("FLOOD-%d: sub_code %q, want %q (the flood's oldest go)", i, got, want)
		}
	}
}

// With --data, a start trims the file by the same rule: the trades no
// buyer acted on go, never the paid one, and the file keeps what was kept.
func TestPagePayFormsDoNotEvictPaidTradesAtStart(t *testing.T) {
	o := mock.Options{DataDir: t.TempDir(), Trades: trade.Options{Keep: 3}}
	m := mocktest.New(t, o)
	if r := m.Call("alipay.trade.pay", `{"out_trade_no":"DATA-PAID","total_amount":"8.00","subject":"s","scene":"bar_code","auth_code":"286111111111111111"}`); r["code"] != "10000" {
		t.Fatalf("barcode pay: %v", r)
	}
	var cashiers []string
	for i := range 3 {
		p := m.Params("alipay.trade.page.pay", fmt.Sprintf(`{"out_trade_no":"PAGE-%d","total_amount":"1.00","subject":"x","product_code":"FAST_INSTANT_TRADE_PAY"}`, i), nil)
		status, loc, body := sendGateway(t, m, http.MethodPost, p, nil)
		if status != http.StatusFound {
			t.Fatalf("page pay %d: HTTP %d %s", i, status, body)
		}
		cashiers = append(cashiers, loc)
	}
	o.Trades.Keep = 1
	m = restart(t, m, o)
	if q := m.Call("alipay.trade.query", `{"out_trade_no":"DATA-PAID"}`); q["trade_status"] != "TRADE_SUCCESS" {
		t.Fatalf("a start with --keep-trades 1 evicted the paid trade: %v", q)
	}
	for i, loc := range cashiers {
		want := http.StatusNotFound
		if i == 2 {
			want = http.StatusOK // the newest trade no buyer acted on stays
		}
		u := m.URL + loc[strings.Index(loc, "/cashier/"):]
		r, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != want {
			t.Errorf("cashier of PAGE-%d after the start: HTTP %d, want %d", i, r.StatusCode, want)
		}
	}
}

// Past --keep-trades-bytes too, the trades no buyer acted on go first:
// another site's page pay forms that fill the bound evict their own, not
// the merchant's paid trade (before, the oldest trade went).
func TestCrossSitePagePayFormsPastTheByteBoundDoNotEvictPaidTrades(t *testing.T) {
	const max = 24 << 10
	m := mocktest.New(t, mock.Options{Trades: trade.Options{KeepBytes: max}})
	if r := m.Call("alipay.trade.pay", `{"out_trade_no":"DEV-PAID","total_amount":"8.00","subject":"coffee","scene":"bar_code","auth_code":"286111111111111111"}`); r["code"] != "10000" {
		t.Fatalf("barcode pay: %v", r)
	}
	cross := map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example", "User-Agent": "Mozilla/5.0"}
	for i := range 120 { // about 380 bytes each
		p := m.Params("alipay.trade.page.pay", fmt.Sprintf(`{"out_trade_no":"EVIL-%d","total_amount":"1.00","subject":"%s","product_code":"FAST_INSTANT_TRADE_PAY"}`, i, "x"), nil)
		if status, loc, body := sendGateway(t, m, http.MethodPost, p, cross); status != http.StatusFound {
			t.Fatalf("page pay %d from another site: HTTP %d %q %s", i, status, loc, body)
		}
	}
	n, bytes, _ := tradeMemory(m)
	if bytes > max || n >= 121 {
		t.Fatalf("%d trades in %d bytes: the forms did not reach the bound of %d", n, bytes, max)
	}
	if q := m.Call("alipay.trade.query", `{"out_trade_no":"DEV-PAID"}`); q["trade_status"] != "TRADE_SUCCESS" {
		t.Fatalf("the merchant's paid trade was lost to another site's page pay forms past the byte bound: %v", q)
	}
}
