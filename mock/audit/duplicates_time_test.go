package audit_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/audit"
	"github.com/alipay-mock/alipay-mock/mock/audit/audittest"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// notify_time is when Alipay sent that attempt, and Alipay notifies a
// payment only after it: the duplicates probe's copies, for a trade paid
// just before the audit (the usual way to run one), are never stamped
// before its gmt_payment, so a correct handler that refuses that
// impossible order passes.
func TestDuplicatesProbeNeverStampsBeforeThePayment(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	seller := paidTrade(t, m) // paid at the mock's now
	shop := audittest.NewShop(t, audittest.Correct, keys.DevAppID, seller, m.Srv.AlipayPublicKey(), order, 8888)
	sane := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		q, _ := url.ParseQuery(string(b))
		sent, err1 := timestamp.Parse(q.Get("notify_time"))
		paid, err2 := timestamp.Parse(q.Get("gmt_payment"))
		if err1 == nil && err2 == nil && sent.Before(paid) {
			_, _ = w.Write([]byte("fail")) // sent before the payment it reports: not Alipay's
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		shop.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(sane.Close)
	var rep audit.Report
	m.ControlJSON("POST", "/audit", audit.Request{NotifyURL: sane.URL, AppID: keys.DevAppID, OutTradeNo: order,
		Probes: []string{"baseline", "duplicates"}}, http.StatusOK, &rep)
	if got := findings(&rep); len(got) != 0 {
		t.Errorf("a correct handler that refuses a notification sent before its gmt_payment has findings %v\n%s", got, text(t, &rep))
	}
}
