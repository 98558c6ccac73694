package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/journal"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// net/url drops a query pair that does not unescape (app_id=%zz) or holds
// a semicolon, so such an app_id would read as absent: a clear or reset
// meant for one app would reach every app. A state-changing control call
// with such a query answers 400 and does nothing, as the lists refuse
// such a cursor or limit.
func TestClearOrResetWithAnUnreadableAppIDDoesNothing(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	mer := mocktest.NewMerchant(t, "success")
	m.Post(m.Params("alipay.trade.pay", `{"out_trade_no":"KEEP-1","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = mer.URL }))
	m.WaitNotifications(notify.Filter{OutTradeNo: "KEEP-1", State: notify.Delivered}, 1)
	for _, call := range []string{
		"DELETE /notifications?app_id=%zz",
		"DELETE /notifications?app_id=nope;",
		"DELETE /journal?app_id=%zz",
		"DELETE /journal?app_id=nope;x=1",
		"POST /reset?app_id=%zz",
		"POST /reset?app_id=nope;",
		"DELETE /scenarios?app_id=%zz",
	} {
		method, path, _ := strings.Cut(call, " ")
		m.Control(method, path, nil, http.StatusBadRequest)
	}
	if n := len(m.Srv.Notifier.Outbox().List(notify.Filter{})); n == 0 {
		t.Error("the notifications are gone")
	}
	if list, _, err := m.Srv.Journal.Page(journal.Filter{Limit: 1}); err != nil || len(list) == 0 {
		t.Errorf("the journal is empty (%v)", err)
	}
	if q := m.Call("alipay.trade.query", `{"out_trade_no":"KEEP-1"}`); q["code"] != "10000" {
		t.Errorf("the trade is gone: %v", q["sub_code"])
	}
}

// An app_id that is present but empty (?app_id=, a script's unset
// variable) or given twice reads as no app_id too: the same calls answer
// 400 and do nothing. They answered 200 and acted on every app.
func TestClearOrResetWithAnEmptyOrRepeatedAppIDDoesNothing(t *testing.T) {
	for _, call := range []string{
		"DELETE /notifications?app_id=",
		"DELETE /notifications?app_id=&app_id=9021000100000001",
		"DELETE /notifications?app_id=9021000100000001&app_id=9021000100000001",
		"DELETE /journal?app_id=",
		"DELETE /scenarios?app_id=",
		"POST /reset?app_id=",
		"POST /reset?app_id=9021000100000001&app_id=",
	} {
		t.Run(call, func(t *testing.T) {
			m := mocktest.New(t, mock.Options{})
			mer := mocktest.NewMerchant(t, "success")
			m.Post(m.Params("alipay.trade.pay", `{"out_trade_no":"KEEP-2","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
				func(p map[string]string) { p["notify_url"] = mer.URL }))
			m.WaitNotifications(notify.Filter{OutTradeNo: "KEEP-2", State: notify.Delivered}, 1)
			method, path, _ := strings.Cut(call, " ")
			m.Control(method, path, nil, http.StatusBadRequest)
			if n := len(m.Srv.Notifier.Outbox().List(notify.Filter{})); n == 0 {
				t.Error("the notifications are gone")
			}
			if list, _, err := m.Srv.Journal.Page(journal.Filter{Limit: 1}); err != nil || len(list) == 0 {
				t.Errorf("the journal is empty (%v)", err)
			}
			if q := m.Call("alipay.trade.query", `{"out_trade_no":"KEEP-2"}`); q["code"] != "10000" {
				t.Errorf("the trade is gone: %v", q["sub_code"])
			}
		})
	}
}
