package mock_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// After a reset nothing planned before it acts on what is made after it:
// a scenario buyer planned for a trade that was reset does not pay a new
// trade of the same out_trade_no, whether the reset was of every app or of
// the trade's app.
func TestResetCancelsScenarioBuyers(t *testing.T) {
	for _, reset := range []string{"/reset", "/reset?app_id=" + keys.DevAppID} {
		t.Run(reset, func(t *testing.T) {
			m := mocktest.New(t, mock.Options{})
			m.Control(http.MethodPost, "/scenarios?name=later",
				"rules:\n  - name: r\n    when: {method: alipay.trade.precreate}\n    then: {buyer: {pay_after: 10m}}\n", http.StatusCreated)
			pre := `{"out_trade_no":"ghost-1","total_amount":"1.00","subject":"s"}`
			expect(t, m.Call("alipay.trade.precreate", pre), "code", "10000")
			m.Control(http.MethodPost, reset, nil, http.StatusOK)
			m.Control(http.MethodDelete, "/scenarios", nil, http.StatusOK)
			expect(t, m.Call("alipay.trade.precreate", pre), "code", "10000")
			m.Advance("11m")
			var tr struct {
				Status string `json:"trade_status"`
			}
			m.ControlJSON(http.MethodGet, "/trades/ghost-1?app_id="+keys.DevAppID, nil, http.StatusOK, &tr)
			if tr.Status != "WAIT_BUYER_PAY" {
				t.Fatalf("the trade made after the reset is %s: the earlier trade's buyer acted on it", tr.Status)
			}
		})
	}
}

// A settlement's message planned before a reset is not sent after it.
func TestResetDropsPendingSettleMessages(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	gw := mocktest.NewMerchant(t, "success")
	registerDevApp(t, m, gw.URL+"/gateway", http.StatusCreated)
	settleAsync(t, m, "RS1")
	m.Control(http.MethodPost, "/reset?app_id="+keys.DevAppID, nil, http.StatusOK)
	out := m.Advance("1h")
	for _, f := range out["fired"].([]any) {
		if f.(map[string]any)["kind"] == "settle" {
			t.Fatalf("a settlement of a trade that was reset fired: %v", f)
		}
	}
	var list []notify.Notification
	m.ControlJSON(http.MethodGet, "/notifications", nil, http.StatusOK, &list)
	if len(list) != 0 {
		t.Fatalf("notifications after the reset: %+v", list)
	}
}

// After a reset the clock's next job is not the deadline of a trade that
// is gone: next_due is absent, as on a fresh mock, and advancing to the
// next job leaves the clock where it is.
func TestResetRearmsTradeDeadlines(t *testing.T) {
	for _, reset := range []string{"/reset", "/reset?app_id=" + keys.DevAppID} {
		t.Run(reset, func(t *testing.T) {
			m := mocktest.New(t, mock.Options{})
			expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"DL1","total_amount":"1.00","subject":"s"}`), "code", "10000")
			var clk struct {
				Pending int        `json:"pending_jobs"`
				NextDue *time.Time `json:"next_due"`
				Now     time.Time  `json:"now"`
			}
			m.ControlJSON(http.MethodGet, "/clock", nil, http.StatusOK, &clk)
			if clk.NextDue == nil {
				t.Fatal("no next_due with a trade waiting to expire")
			}
			m.Control(http.MethodPost, reset, nil, http.StatusOK)
			clk.NextDue = nil
			m.ControlJSON(http.MethodGet, "/clock", nil, http.StatusOK, &clk)
			if clk.NextDue != nil || clk.Pending != 0 {
				t.Fatalf("after the reset: next_due %v, %d jobs pending", clk.NextDue, clk.Pending)
			}
			before := clk.Now
			var adv struct {
				Clock struct {
					Now time.Time `json:"now"`
				} `json:"clock"`
			}
			m.ControlJSON(http.MethodPost, "/clock/advance", map[string]string{"to": "next"}, http.StatusOK, &adv)
			if !adv.Clock.Now.Equal(before) {
				t.Fatalf("advancing to the next job moved the clock from %s to %s with nothing planned", before, adv.Clock.Now)
			}
		})
	}
}

// So with red packets: the sender a scenario planned for a red packet that
// was reset does not pay a new one of the same out_order_no.
func TestResetCancelsScenarioSenders(t *testing.T) {
	m := mocktest.New(t, mock.Options{FundPublicKey: true})
	m.Control(http.MethodPost, "/scenarios?name=later",
		"rules:\n  - name: r\n    when: {method: alipay.fund.coupon.order.app.pay}\n    then: {buyer: {pay_after: 10m}}\n", http.StatusCreated)
	open := func() map[string]any {
		p := m.Params("alipay.fund.coupon.order.app.pay", `{"out_order_no":"ghost-rp","out_request_no":"ghost-rp-pay","order_title":"红包","amount":"8.88"}`, nil)
		var o map[string]any
		m.ControlJSON(http.MethodPost, "/app-pay", map[string]string{"order_string": mocktest.Form(p).Encode()}, http.StatusOK, &o)
		return o
	}
	open()
	m.Control(http.MethodPost, "/reset?app_id="+keys.DevAppID, nil, http.StatusOK)
	m.Control(http.MethodDelete, "/scenarios", nil, http.StatusOK)
	fresh := open()
	m.Advance("11m")
	var o map[string]any
	m.ControlJSON(http.MethodGet, "/red-packets/"+fresh["auth_no"].(string), nil, http.StatusOK, &o)
	if o["status"] != fresh["status"] {
		t.Fatalf("the red packet made after the reset went from %v to %v: the earlier one's sender acted on it", fresh["status"], o["status"])
	}
}

// Nor do a reset's red packets and DEALING transfers leave their
// deadlines on the clock.
func TestResetTakesOffRedPacketAndTransferDeadlines(t *testing.T) {
	for _, reset := range []string{"/reset", "/reset?app_id=" + keys.DevAppID} {
		t.Run(reset, func(t *testing.T) {
			m := mocktest.New(t, mock.Options{FundPublicKey: true})
			expect(t, m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"RP1","out_request_no":"RP1-pay","order_title":"红包","amount":"10.00","payer_user_id":"2088102000000001"}`), "code", "10000")
			m.Control(http.MethodPost, "/apps/"+keys.DevAppID+"/balance", map[string]string{"available_amount": "40000.00"}, http.StatusOK)
			expect(t, m.Call("alipay.fund.trans.uni.transfer", `{"out_biz_no":"TR1","trans_amount":"30001.00","product_code":"TRANS_ACCOUNT_NO_PWD","transfer_scene_name":"佣金报酬","biz_scene":"DIRECT_TRANSFER","payee_info":{"identity":"2088000000000777","identity_type":"ALIPAY_USER_ID"}}`),
				"code", "10000", "status", "DEALING")
			var clk struct {
				Pending int        `json:"pending_jobs"`
				NextDue *time.Time `json:"next_due"`
			}
			m.ControlJSON(http.MethodGet, "/clock", nil, http.StatusOK, &clk)
			if clk.Pending < 2 {
				t.Fatalf("%d jobs pending with a red packet and a DEALING transfer", clk.Pending)
			}
			m.Control(http.MethodPost, reset, nil, http.StatusOK)
			clk.NextDue = nil
			m.ControlJSON(http.MethodGet, "/clock", nil, http.StatusOK, &clk)
			if clk.NextDue != nil || clk.Pending != 0 {
				t.Fatalf("after the reset: next_due %v, %d jobs pending", clk.NextDue, clk.Pending)
			}
		})
	}
}

// A notification's next attempt goes with the notification: after a
// reset or a clear of the notifications, the clock holds no attempt of
// one that is gone (it fired nothing, and advancing "to next" jumped to it).
func TestResetAndClearTakeOffNotificationAttempts(t *testing.T) {
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "fail")
	}))
	defer failing.Close()
	pending := func(m *mocktest.Mock) int {
		var clk struct {
			Pending int `json:"pending_jobs"`
		}
		m.ControlJSON(http.MethodGet, "/clock", nil, http.StatusOK, &clk)
		return clk.Pending
	}
	for _, clear := range []string{"/reset", "/reset?app_id=" + keys.DevAppID, "/notifications", "/notifications?app_id=" + keys.DevAppID} {
		t.Run(clear, func(t *testing.T) {
			m := mocktest.New(t, mock.Options{})
			p := m.Params("alipay.trade.pay", `{"out_trade_no":"NA1","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
				func(p map[string]string) { p["notify_url"] = failing.URL })
			expect(t, m.Verify("alipay.trade.pay", m.Post(p), true), "code", "10000")
			m.WaitAttempts("NA1", 1) // the first failed
			// The attempt is recorded before its run plans the next one; a
			// run of our own waits (on the run lock) until that run is over.
			m.Srv.Sched.RunDue()
			before := pending(m)
			method := http.MethodPost
			if strings.HasPrefix(clear, "/notifications") {
				method = http.MethodDelete
			}
			m.Control(method, clear, nil, http.StatusOK)
			after := pending(m)
			want := before - 1 // the attempt; the trade's own deadlines stay on a clear
			if method == http.MethodPost {
				want = 0
			}
			if after != want {
				t.Fatalf("%d jobs pending after %s %s, want %d (%d before)", after, method, clear, want, before)
			}
		})
	}
}
