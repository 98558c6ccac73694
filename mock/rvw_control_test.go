package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// control.ReadableQuery refuses a query net/url cannot read, so that a
// clear or reset meant for one app never reaches every app. A query that
// names app_id but reads as empty still does: `?app_id=` (a script's unset
// variable), or app_id given twice with the empty one first. Each reads as
// "no app_id" and clears or resets every app.
func TestRvwClearOrResetWithAnEmptyAppIDDoesNothing(t *testing.T) {
	for _, call := range []string{
		"DELETE /notifications?app_id=",
		"DELETE /notifications?app_id=&app_id=9021000100000001",
		"POST /reset?app_id=",
	} {
		t.Run(call, func(t *testing.T) {
			m := mocktest.New(t, mock.Options{})
			mer := mocktest.NewMerchant(t, "success")
			m.Post(m.Params("alipay.trade.pay", `{"out_trade_no":"RVW-KEEP","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
				func(p map[string]string) { p["notify_url"] = mer.URL }))
			m.WaitNotifications(notify.Filter{OutTradeNo: "RVW-KEEP", State: notify.Delivered}, 1)
			method, path, _ := strings.Cut(call, " ")
			m.Control(method, path, nil, http.StatusBadRequest)
			if n := len(m.Srv.Notifier.Outbox().List(notify.Filter{})); n == 0 {
				t.Error("the notifications are gone")
			}
			if q := m.Call("alipay.trade.query", `{"out_trade_no":"RVW-KEEP"}`); q["code"] != "10000" {
				t.Errorf("the trade is gone: %v", q["sub_code"])
			}
		})
	}
}
