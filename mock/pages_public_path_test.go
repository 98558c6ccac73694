package mock_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// pageLinks are the form actions and image sources of a page.
var pageLinks = regexp.MustCompile(`(?:action|src)="([^"]*)"`)

// A --public-url with a path (a reverse proxy that serves the mock under
// /alipay/) is kept by qr_code and the cashier redirect, and by the pages
// they lead to: their form posts and the QR image are relative to the
// page, so they resolve under the path (and at qr.alipay.com/bax0…).
func TestPublicURLPathKeptOnBuyerPages(t *testing.T) {
	const base = "http://proxy.example/alipay"
	opts := mock.Options{PublicURL: base, FundPublicKey: true} // the red packet cashier too
	if s, err := mock.New(mock.Options{PublicURL: base, Clock: clock.NewManual(mocktest.Epoch)}); err != nil {
		t.Skipf("a --public-url with a path is refused: %v", err)
	} else {
		s.Close()
	}
	m := mocktest.New(t, opts)
	// direct is the page as the proxy fetches it from the mock.
	direct := func(public string) string {
		if !strings.HasPrefix(public, base+"/") {
			t.Fatalf("link %q does not start with --public-url %s", public, base)
		}
		return m.URL + strings.TrimPrefix(public, base)
	}
	check := func(page, public string) {
		t.Helper()
		resp, err := http.Get(direct(public))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		links := pageLinks.FindAllStringSubmatch(string(b), -1)
		if resp.StatusCode != http.StatusOK || len(links) == 0 {
			t.Fatalf("%s: HTTP %d, links %q", page, resp.StatusCode, links)
		}
		at, _ := url.Parse(public)
		for _, l := range links {
			ref, err := url.Parse(l[1])
			if err != nil {
				t.Fatal(err)
			}
			if got := at.ResolveReference(ref).String(); !strings.HasPrefix(got, base+"/") {
				t.Errorf("%s at %s: %q leads the browser to %s, outside --public-url %s", page, public, l[1], got, base)
			}
		}
	}

	pre := m.Call("alipay.trade.precreate", `{"out_trade_no":"PATH-QR","total_amount":"1.00","subject":"s"}`)
	check("QR page", pre["qr_code"].(string))

	u, err := m.Client(nil).PagePayURL(client.PagePayRequest{Order: client.Order{OutTradeNo: "PATH-PAGE", TotalAmount: amount.MustParse("1.00"), Subject: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := cashierNoRedirect.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	check("cashier", resp.Header.Get("Location"))

	rp := m.Params("alipay.fund.coupon.order.page.pay", `{"out_order_no":"PATH-RP","out_request_no":"PATH-RP-pay","order_title":"红包","amount":"1.00"}`, nil)
	if resp, err = cashierNoRedirect.PostForm(m.URL+mock.GatewayPath, mocktest.Form(rp)); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	check("red packet cashier", resp.Header.Get("Location"))
}

// Under a --public-url path the dashboard's links to the buyer pages
// (trade detail: cashier page, QR page) stay under it, as qr_code does.
// Before, they were root-relative and left it.
func TestDashboardBuyerPageLinksKeepThePublicURLPath(t *testing.T) {
	const base = "http://proxy.example/alipay"
	m := mocktest.New(t, mock.Options{PublicURL: base})
	pre := m.Call("alipay.trade.precreate", `{"out_trade_no":"PPP-DASH","total_amount":"1.00","subject":"s"}`)
	var tr struct {
		TradeNo string `json:"trade_no"`
	}
	m.ControlJSON(http.MethodGet, "/trades/PPP-DASH", nil, http.StatusOK, &tr)
	resp, err := http.Get(m.URL + "/_mock/ui/trades/" + tr.TradeNo)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	at, _ := url.Parse(base + "/_mock/ui/trades/" + tr.TradeNo)
	for _, id := range []string{"cashier-link", "qr-link"} {
		l := regexp.MustCompile(`href="([^"]*)" id="` + id + `"`).FindStringSubmatch(string(b))
		if l == nil {
			t.Fatalf("HTTP %d: no %s", resp.StatusCode, id)
		}
		ref, _ := url.Parse(l[1])
		if got := at.ResolveReference(ref).String(); !strings.HasPrefix(got, base+"/") {
			t.Errorf("%s %q leads to %s, outside --public-url %s (qr_code %v)", id, l[1], got, base, pre["qr_code"])
		}
	}
}
