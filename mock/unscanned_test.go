package mock_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// call posts a dev-app request with a notify_url and returns the verified node.
func notifyCall(m *mocktest.Mock, method, biz, notifyURL string) map[string]any {
	m.T.Helper()
	p := m.Params(method, biz, func(p map[string]string) {
		if notifyURL != "" {
			p["notify_url"] = notifyURL
		}
	})
	return m.Verify(method, m.Post(p), true)
}

// Production's default: a precreate trade does not exist until a buyer
// scans it. query, close and refund answer ACQ.TRADE_NOT_EXIST; cancel
// answers as for an unknown trade; neither cancel nor expiry notifies, even
// with TRADE_CLOSED notices on. After a scan the trade is WAIT_BUYER_PAY.
func TestUnscannedTradeDoesNotExist(t *testing.T) {
	m := mocktest.New(t, mock.Options{Notify: notify.Options{Closed: notify.Always}})
	merchant := mocktest.NewMerchant(t, "success")
	pre := notifyCall(m, "alipay.trade.precreate", `{"out_trade_no":"U1","total_amount":"1.00","subject":"s"}`, merchant.URL)
	expect(t, pre, "code", "10000", "out_trade_no", "U1")
	for _, c := range []struct{ method, biz string }{
		{"alipay.trade.query", `{"out_trade_no":"U1"}`},
		{"alipay.trade.close", `{"out_trade_no":"U1"}`},
		{"alipay.trade.refund", `{"out_trade_no":"U1","refund_amount":"1.00"}`},
		{"alipay.trade.fastpay.refund.query", `{"out_trade_no":"U1","out_request_no":"U1"}`},
	} {
		expect(t, m.Call(c.method, c.biz), "code", "40004", "sub_code", "ACQ.TRADE_NOT_EXIST", "sub_msg", "交易不存在")
	}
	c := m.Call("alipay.trade.cancel", `{"out_trade_no":"U1"}`)
	expect(t, c, "code", "10000", "out_trade_no", "U1", "retry_flag", "N")
	for _, k := range []string{"trade_no", "action", "gmt_refund_pay"} {
		if _, ok := c[k]; ok {
			t.Errorf("cancel of an unscanned trade carries %s: %v", k, c)
		}
	}
	// The QR code is closed: no buyer can pay it now.
	m.Control(http.MethodPost, "/trades/U1/pay", nil, http.StatusConflict)

	// Expiry of another unscanned trade sends nothing either.
	notifyCall(m, "alipay.trade.precreate", `{"out_trade_no":"U2","total_amount":"1.00","subject":"s","timeout_express":"5m"}`, merchant.URL)
	m.Advance("10m")
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"U2"}`), "sub_code", "ACQ.TRADE_NOT_EXIST")
	if n := m.Srv.Notifier.Outbox().List(notify.Filter{}); len(n) != 0 {
		t.Fatalf("notifications for unscanned trades: %+v", n)
	}

	// Scanned, the trade exists, and its changes notify.
	notifyCall(m, "alipay.trade.precreate", `{"out_trade_no":"U3","total_amount":"1.00","subject":"s"}`, merchant.URL)
	m.Control(http.MethodPost, "/trades/U3/scan", nil, http.StatusOK)
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"U3"}`), "code", "10000", "trade_status", "WAIT_BUYER_PAY")
	expect(t, m.Call("alipay.trade.cancel", `{"out_trade_no":"U3"}`), "code", "10000", "action", "close", "retry_flag", "N")
	m.WaitNotifications(notify.Filter{OutTradeNo: "U3"}, 1)
}

// --show-unscanned (Options.Trades.ShowUnscanned) keeps the seed guide's
// simpler flow: WAIT_BUYER_PAY at once, cancel closes with action=close,
// and the closed trade is notified when TRADE_CLOSED notices are on.
func TestShowUnscannedOption(t *testing.T) {
	m := mocktest.New(t, mock.Options{Trades: trade.Options{ShowUnscanned: true}, Notify: notify.Options{Closed: notify.Always}})
	merchant := mocktest.NewMerchant(t, "success")
	notifyCall(m, "alipay.trade.precreate", `{"out_trade_no":"S1","total_amount":"1.00","subject":"s"}`, merchant.URL)
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"S1"}`), "code", "10000", "trade_status", "WAIT_BUYER_PAY")
	expect(t, m.Call("alipay.trade.cancel", `{"out_trade_no":"S1"}`), "code", "10000", "action", "close")
	m.WaitNotifications(notify.Filter{OutTradeNo: "S1"}, 1)
}

// An app's show_unscanned (apps file, POST /_mock/apps) overrides the
// mock-wide option either way.
func TestShowUnscannedPerApp(t *testing.T) {
	dev := string(keys.DevFile("app_public_key.pem"))
	for _, c := range []struct {
		name       string
		global     bool
		app        bool
		wantStatus string // "" = ACQ.TRADE_NOT_EXIST
	}{
		{"app shows, mock hides", false, true, "WAIT_BUYER_PAY"},
		{"app hides, mock shows", true, false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := mocktest.New(t, mock.Options{Trades: trade.Options{ShowUnscanned: c.global}})
			m.Control(http.MethodPost, "/apps", map[string]any{"app_id": keys.DevAppID, "public_key": dev, "show_unscanned": c.app}, http.StatusCreated)
			var list []map[string]any
			m.ControlJSON(http.MethodGet, "/apps", nil, http.StatusOK, &list)
			for _, a := range list {
				if a["app_id"] == keys.DevAppID && a["show_unscanned"] != c.app {
					t.Errorf("GET /_mock/apps: show_unscanned = %v, want %v", a["show_unscanned"], c.app)
				}
			}
			m.Call("alipay.trade.precreate", `{"out_trade_no":"P1","total_amount":"1.00","subject":"s"}`)
			q := m.Call("alipay.trade.query", `{"out_trade_no":"P1"}`)
			if c.wantStatus == "" {
				expect(t, q, "code", "40004", "sub_code", "ACQ.TRADE_NOT_EXIST")
			} else {
				expect(t, q, "code", "10000", "trade_status", c.wantStatus)
			}
		})
	}
}
