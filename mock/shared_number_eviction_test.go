package mock_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// sameNumberScenario has every red packet's sender and every trade's
// buyer numbered SAME-… pay 30 s after the call that made it.
var sameNumberScenario = []byte(`name: same-number
rules:
  - name: sender pays
    when:
      method: alipay.fund.coupon.order.page.pay
      biz: {out_order_no: {prefix: "SAME-"}}
    then:
      buyer: {pay_after: 30s}
  - name: buyer pays
    when:
      method: alipay.trade.precreate
      biz: {out_trade_no: {prefix: "SAME-"}}
    then:
      buyer: {pay_after: 30s}
`)

func sameNumberFiles(t *testing.T) []*scenarios.File {
	f, err := scenarios.Parse("same-number.yaml", sameNumberScenario, nil)
	if err != nil {
		t.Fatal(err)
	}
	return []*scenarios.File{f}
}

// pagePayRedPacket makes a red packet by page pay (its sender pays on the
// scenario's clock), notified at notifyURL when not "".
func pagePayRedPacket(t *testing.T, m *mocktest.Mock, out string, notifyURL ...string) {
	t.Helper()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	p := m.Params("alipay.fund.coupon.order.page.pay", `{"out_order_no":"`+out+`","out_request_no":"`+out+`-pay","order_title":"红包","amount":"3.00"}`,
		func(p map[string]string) {
			if len(notifyURL) > 0 {
				p["notify_url"] = notifyURL[0]
			}
		})
	resp, err := noRedirect.Get(m.URL + "/gateway.do?" + mocktest.Form(p).Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("red packet %s page pay: HTTP %d", out, resp.StatusCode)
	}
}

func redPacketStatus(m *mocktest.Mock, out string) string {
	var rp struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(m.Control(http.MethodGet, "/red-packets/"+out, nil, http.StatusOK), &rp)
	return rp.Status
}

// A trade and a red packet of one app may carry the same merchant number
// (out_trade_no, out_order_no): evicting the trade past --keep-trades
// leaves the red packet's scenario sender its step, before and after a
// restart (--data: its kept job record stays too).
func TestEvictingTradeKeepsSameNumberedRedPacketsSender(t *testing.T) {
	o := mock.Options{FundPublicKey: true, DataDir: t.TempDir(), Scenarios: sameNumberFiles(t)}
	o.Trades.Keep = 1
	m1 := mocktest.New(t, o)
	pagePayRedPacket(t, m1, "SAME-1")
	// A trade with the same number, then another: the first is evicted.
	expect(t, m1.Call("alipay.trade.precreate", `{"out_trade_no":"SAME-1","total_amount":"1.00","subject":"s"}`), "code", "10000")
	expect(t, m1.Call("alipay.trade.precreate", `{"out_trade_no":"OTHER-1","total_amount":"1.00","subject":"s"}`), "code", "10000")
	m1.Advance("31s")
	if st := redPacketStatus(m1, "SAME-1"); st != "AUTHORIZED" {
		t.Fatalf("red packet SAME-1 after its sender's pay_after: %s, want AUTHORIZED (evicting trade SAME-1 took its sender's step)", st)
	}

	// The same, stopped before the step is due: it comes back at start.
	o.DataDir, o.Scenarios = t.TempDir(), sameNumberFiles(t)
	m2 := mocktest.New(t, o)
	pagePayRedPacket(t, m2, "SAME-2")
	expect(t, m2.Call("alipay.trade.precreate", `{"out_trade_no":"SAME-2","total_amount":"1.00","subject":"s"}`), "code", "10000")
	expect(t, m2.Call("alipay.trade.precreate", `{"out_trade_no":"OTHER-2","total_amount":"1.00","subject":"s"}`), "code", "10000")
	if err := m2.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	o.Scenarios = sameNumberFiles(t)
	m3 := mocktest.New(t, o)
	m3.Advance("31s")
	if st := redPacketStatus(m3, "SAME-2"); st != "AUTHORIZED" {
		t.Fatalf("red packet SAME-2 after a restart and its sender's pay_after: %s, want AUTHORIZED (its kept step was dropped with trade SAME-2)", st)
	}
}

// And the reverse: evicting a red packet past --keep-red-packets leaves a
// same-numbered trade's scenario buyer its step.
func TestEvictingRedPacketKeepsSameNumberedTradesBuyer(t *testing.T) {
	o := mock.Options{FundPublicKey: true, DataDir: t.TempDir(), Scenarios: sameNumberFiles(t)}
	o.Coupons.Keep = 1
	m := mocktest.New(t, o)
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"SAME-3","total_amount":"1.00","subject":"s"}`), "code", "10000")
	pagePayRedPacket(t, m, "SAME-3")
	pagePayRedPacket(t, m, "SAME-4") // the first red packet is evicted
	m.Advance("31s")
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"SAME-3"}`), "code", "10000", "trade_status", "TRADE_SUCCESS")
}

// policyScenario suppresses the notifications of red packets numbered
// POL-… (paid by agreement); trades are left alone.
var policyScenario = []byte(`name: packet-policy
rules:
  - name: red packet unnotified
    when:
      method: alipay.fund.coupon.order.agreement.pay
      biz: {out_order_no: {prefix: "POL-"}}
    then:
      notify: {suppress: true}
`)

func policyFiles(t *testing.T) []*scenarios.File {
	f, err := scenarios.Parse("packet-policy.yaml", policyScenario, nil)
	if err != nil {
		t.Fatal(err)
	}
	return []*scenarios.File{f}
}

// couponCall calls a red-packet method with a notify_url.
func couponCall(m *mocktest.Mock, method, biz string) map[string]any {
	p := m.Params(method, biz, func(p map[string]string) { p["notify_url"] = "http://127.0.0.1:1/notify" })
	return m.Verify(method, m.Post(p), true)
}

// payAndRefundLater pays red packet out by agreement and returns a refund
// of 1.00 of it to make later.
func payAndRefundLater(t *testing.T, m *mocktest.Mock, out string) func(m *mocktest.Mock) {
	t.Helper()
	r := couponCall(m, "alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"`+out+`","out_request_no":"`+out+
		`-pay","order_title":"红包","amount":"3.00","payer_user_id":"2088102000000001"}`)
	expect(t, r, "code", "10000")
	authNo, _ := r["auth_no"].(string)
	return func(m *mocktest.Mock) {
		t.Helper()
		expect(t, couponCall(m, "alipay.fund.coupon.order.refund", `{"auth_no":"`+authNo+`","out_request_no":"`+out+`-rf","amount":"1.00"}`),
			"code", "10000")
	}
}

// wantAllSuppressed fails unless red packet out's payment and refund were
// notified, suppressed by its scenario's policy.
func wantAllSuppressed(t *testing.T, m *mocktest.Mock, out string) {
	t.Helper()
	ns := m.Srv.Notifier.Outbox().List(notify.Filter{OutTradeNo: out})
	ok := len(ns) == 2
	for _, n := range ns {
		t.Logf("%s %s state=%s", n.ID, n.Event, n.State)
		ok = ok && n.State == notify.Suppressed
	}
	if !ok {
		t.Fatalf("red packet %s: want its payment's and refund's notifications, suppressed by its scenario's policy", out)
	}
}

// Evicting a trade drops its notification policy, not that of a red
// packet of the same app and number: the red packet's refund is still
// suppressed by its scenario.
func TestEvictingTradeKeepsSameNumberedRedPacketsPolicy(t *testing.T) {
	o := mock.Options{FundPublicKey: true, DataDir: t.TempDir(), Scenarios: policyFiles(t)}
	o.Trades.Keep = 1
	m := mocktest.New(t, o)
	refund := payAndRefundLater(t, m, "POL-1")
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"POL-1","total_amount":"1.00","subject":"s"}`), "code", "10000")
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"OTHER-1","total_amount":"1.00","subject":"s"}`), "code", "10000")
	refund(m)
	wantAllSuppressed(t, m, "POL-1")
}
