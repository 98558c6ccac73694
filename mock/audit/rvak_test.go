package audit_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/audit"
	"github.com/alipay-mock/alipay-mock/mock/audit/audittest"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// Production notifies in the charset the trade was created with
// (docs/audit.md: "An app that creates its trades with charset=GBK gets
// its notifications in GBK"). The trade here was created in UTF-8, so
// production never sends its handler a GBK form, and a handler that
// verifies every notification as UTF-8 (the Java SDK's sample:
// AlipaySignature.rsaCheckV1(params, alipayPublicKey, "UTF-8", "RSA2"))
// is correct for it; the gbk probe still sends a GBK form and calls the
// refusal a correctness finding: a false verdict.
func TestRvakGBKProbeOnUTF8TradeIsFalseVerdict(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	seller := paidTrade(t, m) // created with charset utf-8
	shop := audittest.NewShop(t, audittest.Correct, keys.DevAppID, seller, m.Srv.AlipayPublicKey(), order, 8888)
	utf8Only := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(strings.ToLower(r.Header.Get("Content-Type")), "charset=utf-8") {
			_, _ = w.Write([]byte("fail")) // this app's trades are UTF-8: a GBK form is not Alipay's
			return
		}
		shop.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(utf8Only.Close)
	var rep audit.Report
	m.ControlJSON("POST", "/audit", audit.Request{NotifyURL: utf8Only.URL, AppID: keys.DevAppID, OutTradeNo: order,
		Probes: []string{"baseline", "gbk"}}, http.StatusOK, &rep)
	if got := findings(&rep); len(got) != 0 {
		t.Errorf("a handler correct for every notification production sends a UTF-8 trade has findings %v\n%s", got, text(t, &rep))
	}
}
