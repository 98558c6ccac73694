package mock_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A face payment's auth_code is "刷脸标识串（fp开头的35位字符串）"
// (AlipayTradePayModel); barcodes are held to digits, but faceTokenPattern
// is `^fp.{33}$`, so fp and 33 of anything (spaces, markup, Chinese: 101
// bytes past the 64 limit, counted in runes) pays as a face token.
func TestRvtrFaceTokenIsFpAnd33Alphanumerics(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	for i, code := range []string{"fp" + strings.Repeat("中", 33), "fp" + strings.Repeat(" ", 33), "fp" + strings.Repeat("<", 33)} {
		r := m.Call("alipay.trade.pay", `{"out_trade_no":"RVTR-FT`+string(rune('0'+i))+`","scene":"security_code","auth_code":"`+code+`","total_amount":"1.00","subject":"s"}`)
		if r["sub_code"] != "ACQ.PAYMENT_AUTH_CODE_INVALID" {
			t.Errorf("auth_code %q: %v %v %v, want ACQ.PAYMENT_AUTH_CODE_INVALID", code, r["code"], r["sub_code"], r["buyer_user_id"])
		}
	}
}

// Under a --public-url path the buyer pages' links stay under it, but the
// dashboard's links to those pages (trade detail: cashier page, QR page)
// are root-relative and leave it, unlike qr_code.
func TestRvtrDashboardBuyerPageLinksKeepThePublicURLPath(t *testing.T) {
	const base = "http://proxy.example/alipay"
	m := mocktest.New(t, mock.Options{PublicURL: base})
	pre := m.Call("alipay.trade.precreate", `{"out_trade_no":"RVTR-DASH","total_amount":"1.00","subject":"s"}`)
	var tr struct {
		TradeNo string `json:"trade_no"`
	}
	m.ControlJSON(http.MethodGet, "/trades/RVTR-DASH", nil, http.StatusOK, &tr)
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
