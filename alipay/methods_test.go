package alipay_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay"
)

func TestV3Lookup(t *testing.T) {
	for _, tc := range []struct {
		path, want string
	}{
		{"/v3/alipay/trade/query", "alipay.trade.query"},
		{"/v3/alipay/trade/orderinfo/sync", "alipay.trade.orderinfo.sync"},
		{"/v3/alipay/data/dataservice/bill/downloadurl/query", "alipay.data.dataservice.bill.downloadurl.query"},
		{"/v3/alipay/trade/page/pay", ""},           // page methods have no v3 route
		{"/v3/alipay.trade.query", ""},              // dots are not slashes
		{"/v3/alipay/trade/qu%65ry", ""},            // nor are escapes resolved
		{"/v3/alipay/trade/nothing", ""},            // unknown
		{"/v3/", ""},                                // nothing named
		{"/gateway.do/alipay/trade/query", ""},      // not under /v3/
		{"/v3/alipay/fund/coupon/order/refund", ""}, // red packets are gateway.do only
	} {
		m, ok := alipay.V3Lookup(tc.path)
		if ok != (tc.want != "") || m.Name != tc.want {
			t.Errorf("%s: %q %v, want %q", tc.path, m.Name, ok, tc.want)
		}
		if ok && m.V3Path() != tc.path {
			t.Errorf("%s: V3Path %s", tc.path, m.V3Path())
		}
	}
}

// Every method is found by name, once; page methods have no v3 route.
func TestMethods(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range alipay.Methods() {
		if seen[m.Name] {
			t.Errorf("%s listed twice", m.Name)
		}
		seen[m.Name] = true
		if got, ok := alipay.Lookup(m.Name); !ok || got != m {
			t.Errorf("Lookup(%s) = %+v %v", m.Name, got, ok)
		}
		if m.Page && m.V3Path() != "" {
			t.Errorf("%s: a page method with a v3 route", m.Name)
		}
		if hm := m.V3HTTPMethod; hm != "" && hm != http.MethodGet && hm != http.MethodPost {
			t.Errorf("%s: v3 HTTP method %q", m.Name, hm)
		}
	}
	if _, ok := alipay.Lookup("alipay.trade.nothing"); ok {
		t.Error("an unknown method was found")
	}
}
