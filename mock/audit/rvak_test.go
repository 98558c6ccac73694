package audit_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/audit"
	"github.com/alipay-mock/alipay-mock/mock/audit/audittest"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// notify_time is "通知的发送时间", when Alipay sent that attempt: a
// retry's is later than the first copy's, but never later than the moment
// it arrives. The duplicates probe sends its three copies at once,
// stamped now, now+4m and now+14m, so two of them come from the future. A
// handler that is correct for everything production sends, and refuses a
// notification stamped in the future (a replay or clock-skew guard), is
// judged a correctness failure: a false verdict. Copies that stand for a
// slow first attempt still being handled should be stamped in the past
// (now-14m, now-10m, now), as they would be when they arrive together.
func TestRvakDuplicatesProbeStampsFutureNotifyTime(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	seller := paidTrade(t, m)
	shop := audittest.NewShop(t, audittest.Correct, keys.DevAppID, seller, m.Srv.AlipayPublicKey(), order, 8888)
	noFuture := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		q, _ := url.ParseQuery(string(b))
		at, err := timestamp.Parse(q.Get("notify_time"))
		if err != nil || at.After(m.Clock.Now().Add(time.Minute)) {
			_, _ = w.Write([]byte("fail")) // not sent yet: Alipay never stamps a future send time
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		shop.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(noFuture.Close)
	var rep audit.Report
	m.ControlJSON("POST", "/audit", audit.Request{NotifyURL: noFuture.URL, AppID: keys.DevAppID, OutTradeNo: order,
		Probes: []string{"baseline", "duplicates"}}, http.StatusOK, &rep)
	if got := findings(&rep); len(got) != 0 {
		t.Errorf("a correct handler that refuses notify_time from the future has findings %v\n%s", got, text(t, &rep))
	}
}
