package mock_test

import (
	"net/http"
	"os"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// The same for a scenario's notification policy (then.notify): a trade
// whose notifications a scenario suppresses keeps them suppressed after a
// restart on the same --data directory (its refund's notification too).
func TestScenarioNotifyPolicyKeptAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	merchant := mocktest.NewMerchant(t, "success")
	file := example(t, "notify-chaos.yaml")
	withURL := func(p map[string]string) { p["notify_url"] = merchant.URL + "/n" }
	m1 := mocktest.New(t, mock.Options{DataDir: dir, Scenarios: file()})
	expect(t, m1.Verify("alipay.trade.pay", m1.Post(m1.Params("alipay.trade.pay",
		`{"out_trade_no":"SILENT-RVB","scene":"bar_code","auth_code":"283912345678901234","total_amount":"9.99","subject":"s"}`, withURL)), true), "code", "10000")
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := mocktest.New(t, mock.Options{DataDir: dir, Scenarios: file()})
	expect(t, m2.Verify("alipay.trade.refund", m2.Post(m2.Params("alipay.trade.refund",
		`{"out_trade_no":"SILENT-RVB","refund_amount":"1.00","out_request_no":"R1"}`, withURL)), true), "code", "10000")
	for _, n := range m2.Notifications("out_trade_no=SILENT-RVB&count=2") {
		if n.State != notify.Suppressed {
			t.Errorf("%s (%s) is %s after the restart: the scenario suppresses this trade's notifications", n.ID, n.Event, n.State)
		}
	}
}

// A reset forgets the policies kept with --data as it does in memory: a
// new trade of the same out_trade_no, once the scenario is gone, has its
// notification sent.
func TestResetForgetsKeptNotifyPolicies(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "success")
	file, err := os.ReadFile("../scenarios/examples/notify-chaos.yaml")
	if err != nil {
		t.Fatal(err)
	}
	withURL := func(p map[string]string) { p["notify_url"] = merchant.URL + "/n" }
	pay := `{"out_trade_no":"SILENT-RESET","scene":"bar_code","auth_code":"283912345678901234","total_amount":"9.99","subject":"s"}`
	m := mocktest.New(t, mock.Options{DataDir: t.TempDir()})
	m.Control(http.MethodPost, "/scenarios", string(file), http.StatusCreated)
	expect(t, m.Verify("alipay.trade.pay", m.Post(m.Params("alipay.trade.pay", pay, withURL)), true), "code", "10000")
	m.Control(http.MethodPost, "/reset", nil, http.StatusOK)
	m.Control(http.MethodDelete, "/scenarios?all=true", nil, http.StatusOK)
	expect(t, m.Verify("alipay.trade.pay", m.Post(m.Params("alipay.trade.pay", pay, withURL)), true), "code", "10000")
	if n := m.WaitAttempts("SILENT-RESET", 1); n.State != notify.Delivered {
		t.Errorf("the new trade's notification is %s: a policy planted before the reset still acts", n.State)
	}
}
