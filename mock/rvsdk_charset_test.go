package mock_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// rv-sdk: production spells the GBK charset "GBK" in what it sends back
// (returns and notifications captured from production in
// yansongda/pay#158, #214 and yansongda/laravel-pay#19 all say
// "charset":"GBK"; none says "gbk"), and its gateway answers to a GBK app
// say so in Content-Type (docs/gateway.md: "text/html;charset=utf-8 (or
// GBK)"). The mock lowercases it everywhere.
func TestRvsdkGBKSpelledAsProduction(t *testing.T) {
	var mu sync.Mutex
	var notified, returned url.Values
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path == "/notify" {
			notified = r.PostForm
			_, _ = w.Write([]byte("success"))
			return
		}
		returned = r.URL.Query()
	}))
	defer shop.Close()
	m := mocktest.New(t, mock.Options{})
	p := m.Params("alipay.trade.page.pay", `{"out_trade_no":"RVGBK1","total_amount":"1.00","subject":"gbk order","product_code":"FAST_INSTANT_TRADE_PAY"}`,
		func(p map[string]string) {
			p["charset"] = "GBK"
			p["notify_url"] = shop.URL + "/notify"
			p["return_url"] = shop.URL + "/return"
		})
	resp, err := http.PostForm(m.URL+"/gateway.do?charset=GBK", mocktest.Form(p))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.Contains(resp.Request.URL.Path, "/cashier/") {
		t.Fatalf("page.pay did not reach the cashier: %s %s", resp.Status, resp.Request.URL)
	}
	resp, err = http.PostForm(resp.Request.URL.String(), url.Values{"action": {"pay"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	m.WaitAttempts("RVGBK1", 1)
	mu.Lock()
	defer mu.Unlock()
	for name, f := range map[string]url.Values{"notification": notified, "return": returned} {
		if got := f.Get("charset"); got != "GBK" {
			t.Errorf("%s: charset=%q, want GBK as production sends it", name, got)
		}
	}

	q := m.Params("alipay.trade.query", `{"out_trade_no":"RVGBK1"}`, func(p map[string]string) { p["charset"] = "GBK" })
	resp, err = http.PostForm(m.URL+"/gateway.do?charset=GBK", mocktest.Form(q))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/html;charset=GBK" {
		t.Errorf("GBK answer Content-Type %q, want text/html;charset=GBK (docs/gateway.md)", ct)
	}
}
