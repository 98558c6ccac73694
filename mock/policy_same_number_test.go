package mock_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// A policy kept under a bare number is a trade's: a restart with --data
// does not give it to a kept red packet of the same app and number, whose
// policies have their own name (notify.RedPacketPolicy).
func TestTradePolicyIsNotCopiedToSameNumberedRedPacketAtRestart(t *testing.T) {
	dir := t.TempDir()
	m1 := mocktest.New(t, mock.Options{FundPublicKey: true, DataDir: dir})
	m1.Control(http.MethodPost, "/scenarios?name=quiet-trade",
		"rules:\n  - name: r\n    when: {method: alipay.trade.precreate}\n    then: {notify: {suppress: true}}\n", http.StatusCreated)
	expect(t, m1.Call("alipay.trade.precreate", `{"out_trade_no":"MV-SAME","total_amount":"9.90","subject":"s"}`), "code", "10000")
	refund := payAndRefundLater(t, m1, "MV-SAME") // a red packet of the same number, no scenario
	// Control, before any restart: a red packet of a suppressed trade's
	// number is told as usual.
	expect(t, m1.Call("alipay.trade.precreate", `{"out_trade_no":"MV-SAME2","total_amount":"9.90","subject":"s"}`), "code", "10000")
	payAndRefundLater(t, m1, "MV-SAME2")(m1)
	for _, n := range m1.WaitNotifications(notify.Filter{OutTradeNo: "MV-SAME2"}, 2) {
		if n.State == notify.Suppressed {
			t.Fatalf("control: red packet MV-SAME2's %s notification is suppressed before any restart", n.Event)
		}
	}
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	// Twice: the second start is no first start of the directory either.
	for i := range 2 {
		m := mocktest.New(t, mock.Options{FundPublicKey: true, DataDir: dir})
		if i == 1 {
			refund(m)
			for _, n := range m.WaitNotifications(notify.Filter{OutTradeNo: "MV-SAME"}, 2) {
				if n.State == notify.Suppressed {
					t.Errorf("red packet MV-SAME's %s notification is suppressed: after a restart it took the policy of the trade of the same number", n.Event)
				}
			}
		}
		if err := m.Srv.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
