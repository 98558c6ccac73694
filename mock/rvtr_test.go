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
