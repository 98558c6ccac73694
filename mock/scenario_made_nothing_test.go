package mock_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// A request that made nothing (a forced answer stood in for it, or it
// failed) plants no scenario buyer and leaves no notification policy: a
// later request that makes a trade of the same out_trade_no is neither
// paid by that buyer nor has its notifications suppressed.
func TestScenarioOfARequestThatMadeNothing(t *testing.T) {
	const then = "buyer: {pay_after_queries: 2}, notify: {suppress: true}"
	for _, tc := range []struct {
		name, rule string
		fault      map[string]string // queued before the first request
	}{
		// respond without execute beside buyer or notify is refused at load:
		// TestForcedAnswerWithoutExecuteBesideANeverActingPartIsRefused.
		{"queued answer", then, map[string]string{"method": "alipay.trade.precreate", "code": "40004"}},
		{"failed", then, nil}, // no subject: the method's own error
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mocktest.New(t, mock.Options{})
			shop := mocktest.NewMerchant(t, "success")
			m.Control(http.MethodPost, "/scenarios?name=wb",
				"rules:\n  - name: r\n    when: {method: alipay.trade.precreate, biz: {total_amount: \"7.77\"}}\n    then: {"+tc.rule+"}\n", http.StatusCreated)
			if tc.fault != nil {
				m.Control(http.MethodPost, "/faults", tc.fault, http.StatusCreated)
			}
			first := `{"out_trade_no":"wb-1","total_amount":"7.77","subject":"s"}`
			if tc.name == "failed" {
				first = `{"out_trade_no":"wb-1","total_amount":"7.77"}`
			}
			if r := m.Call("alipay.trade.precreate", first); r["code"] == "10000" {
				t.Fatalf("first precreate: %v", r)
			}
			p := m.Params("alipay.trade.precreate", `{"out_trade_no":"wb-1","total_amount":"1.00","subject":"s"}`,
				func(p map[string]string) { p["notify_url"] = shop.URL + "/notify" })
			expect(t, m.Verify("alipay.trade.precreate", m.Post(p), true), "code", "10000")
			m.Control(http.MethodPost, "/trades/wb-1/scan?app_id="+keys.DevAppID, nil, http.StatusOK)
			for i := 1; i <= 3; i++ {
				expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"wb-1"}`), "trade_status", "WAIT_BUYER_PAY")
			}
			m.Control(http.MethodPost, "/trades/wb-1/pay?app_id="+keys.DevAppID, nil, http.StatusOK)
			n := m.WaitNotifications(notify.Filter{OutTradeNo: "wb-1"}, 1)
			if n[0].State == notify.Suppressed {
				t.Fatalf("the trade's notification was %s by a rule of a request that made nothing", n[0].State)
			}
		})
	}
}

// A request that failed about a trade that exists leaves that trade's
// notification policy as it was: a refund refused for an unpaid trade does
// not replace the suppress its precreate's rule set.
func TestFailedRequestKeepsTheTradesPolicy(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	shop := mocktest.NewMerchant(t, "success")
	m.Control(http.MethodPost, "/scenarios?name=wb",
		"rules:\n  - name: quiet\n    when: {method: alipay.trade.precreate, biz: {out_trade_no: fx-1}}\n    then: {notify: {suppress: true}}\n"+
			"  - name: refund\n    when: {method: alipay.trade.refund}\n    then: {notify: {delay: 1m}}\n", http.StatusCreated)
	p := m.Params("alipay.trade.precreate", `{"out_trade_no":"fx-1","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = shop.URL + "/notify" })
	expect(t, m.Verify("alipay.trade.precreate", m.Post(p), true), "code", "10000")
	if r := m.Call("alipay.trade.refund", `{"out_trade_no":"fx-1","refund_amount":"1.00"}`); r["code"] == "10000" {
		t.Fatalf("a refund of an unpaid trade: %v", r)
	}
	m.Control(http.MethodPost, "/trades/fx-1/pay?app_id="+keys.DevAppID, nil, http.StatusOK)
	m.Advance("2m")
	if n := m.WaitNotifications(notify.Filter{OutTradeNo: "fx-1"}, 1); n[0].State != notify.Suppressed {
		t.Fatalf("the paid trade's notification is %s: the failed refund's rule replaced the trade's suppress", n[0].State)
	}
}
