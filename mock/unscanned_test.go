package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
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

// Alipay support's 交易状态问题解析 (https://developer.aliyun.com/article/707649),
// section 一、交易创建的时间: "扫码支付接口(alipay.trade.precreate)：用户扫商家收款二维码，唤起收银台成功后，创建交易"
// (page, wap and app pay likewise when the buyer logs in), which the mock follows
// for the trade's existence. So the gmt_create the merchant is shown (the
// notification's, the bill's 创建时间) is when the buyer scanned (or paid, for
// a buyer who paid without logging in first), not the call's time; the
// order's timeout still counts from the call.
func TestGmtCreateOfAPrecreateIsWhenTheBuyerScanned(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	merchant := mocktest.NewMerchant(t, "success")
	m.Post(m.Params("alipay.trade.precreate", `{"out_trade_no":"GMT-1","total_amount":"10.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = merchant.URL }))
	m.Post(m.Params("alipay.trade.precreate", `{"out_trade_no":"GMT-2","total_amount":"10.00","subject":"s","timeout_express":"30m"}`,
		func(p map[string]string) { p["notify_url"] = merchant.URL }))
	os, err := m.Client(nil).AppPayOrderString(client.AppPayRequest{Order: client.Order{OutTradeNo: "GMT-3",
		TotalAmount: amount.MustParse("1.00"), Subject: "s"}}, client.WithNotifyURL(merchant.URL))
	if err != nil {
		t.Fatal(err)
	}
	m.Control(http.MethodPost, "/app-pay", map[string]string{"order_string": os}, http.StatusOK)
	m.Advance("10m")
	m.Control(http.MethodPost, "/trades/GMT-1/scan", nil, http.StatusOK) // 10:10: the trade is created
	m.Control(http.MethodPost, "/trades/GMT-2/scan", nil, http.StatusOK)
	m.Advance("5m")
	m.Control(http.MethodPost, "/trades/GMT-1/pay", nil, http.StatusOK)
	m.Control(http.MethodPost, "/trades/GMT-3/pay", nil, http.StatusOK) // 10:15: logged in and paid at once
	for out, want := range map[string]string{"GMT-1": "2026-11-23 10:10:00", "GMT-3": "2026-11-23 10:15:00"} {
		got := m.Srv.Notifier.Outbox().List(notify.Filter{OutTradeNo: out})
		if len(got) != 1 {
			t.Fatalf("%s notifications: %d", out, len(got))
		}
		if g := got[0].Params["gmt_create"]; g != want {
			t.Errorf("%s gmt_create %s: want %s, when the buyer acted and production created the trade", out, g, want)
		}
	}
	// The timeout counts from the call: GMT-2 closes at 10:30, not 10:40.
	m.Advance("15m")
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"GMT-2"}`), "code", "10000", "trade_status", "TRADE_CLOSED")
	m.Advance("24h")
	detail := billDetail(t, m.Client(nil), client.BillTrade, mocktest.Epoch.Format("2006-01-02"))
	if !strings.Contains(detail, ",s,2026-11-23 10:10:00,2026-11-23 10:15:00,") {
		t.Errorf("the bill's 创建时间 of GMT-1 is not the scan's 10:10:00:\n%s", detail)
	}
}
