package mock_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A GBK order whose text GBK cannot hold (an emoji sent as a JSON escape,
// as PHP's json_encode writes it) still gets its notification and its
// return, signed in UTF-8 as the gateway's own answer is: the notification
// was dropped unseen, and the cashier answered a bare 500 after the buyer
// had paid.
func TestGBKOrderWithTextGBKCannotHold(t *testing.T) {
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
	p := m.Params("alipay.trade.page.pay", `{"out_trade_no":"GB1","total_amount":"1.00","subject":"\ud83d\ude00","merchant_order_no":"\ud83d\ude00","product_code":"FAST_INSTANT_TRADE_PAY"}`,
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
	m.WaitAttempts("GB1", 1)
	mu.Lock()
	defer mu.Unlock()
	if resp.StatusCode != http.StatusOK || returned.Get("out_trade_no") != "GB1" {
		t.Fatalf("pay: %s, the return had %v", resp.Status, returned)
	}
	pub := keys.DevAlipayPrivateKey().PublicKey
	for name, f := range map[string]url.Values{"notification": notified, "return": returned} {
		ps := map[string]string{}
		for k := range f {
			ps[k] = f.Get(k)
		}
		if ps["charset"] != "utf-8" {
			t.Errorf("%s: charset %q, want utf-8", name, ps["charset"])
		}
		if err := sign.VerifyString(&pub, sign.RSA2, sign.UTF8, sign.NotifyContent(ps), ps["sign"]); err != nil {
			t.Errorf("%s does not verify: %v (%v)", name, err, ps)
		}
	}
	if notified.Get("subject") != "😀" {
		t.Errorf("notification subject %q", notified.Get("subject"))
	}
}
