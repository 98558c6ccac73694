package mock_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A reset of one app forgets the answers queued for it, and keeps those
// queued for another app or for any app.
func TestResetOfAnAppForgetsItsQueuedAnswers(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	const other = "2021000000000002"
	m.Control(http.MethodPost, "/apps", map[string]string{"app_id": other, "public_key": string(keys.DevFile("app_public_key.pem")), "sign_type": "RSA2"}, http.StatusCreated)
	for _, f := range []map[string]string{
		{"app_id": keys.DevAppID, "method": "alipay.trade.precreate", "code": "40004"},
		{"app_id": other, "method": "alipay.trade.precreate", "code": "40004"},
		{"method": "alipay.trade.close", "code": "20000"},
	} {
		m.Control(http.MethodPost, "/faults", f, http.StatusCreated)
	}
	m.Control(http.MethodPost, "/reset?app_id="+keys.DevAppID, nil, http.StatusOK)
	var queued []struct {
		AppID  string `json:"app_id"`
		Method string `json:"method"`
	}
	m.ControlJSON(http.MethodGet, "/faults", nil, http.StatusOK, &queued)
	if len(queued) != 2 || queued[0].AppID != other || queued[1].AppID != "" {
		t.Fatalf("queued after the reset of %s: %+v; want the other app's and the app-less one", keys.DevAppID, queued)
	}
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"Q1","total_amount":"1.00","subject":"s"}`), "code", "10000")
}

// A reset, of one app or of all, leaves an auth_code's buyer as it was:
// the buyer comes from the code, not from what the mock remembers.
func TestResetKeepsAnAuthCodesBuyer(t *testing.T) {
	for _, reset := range []string{"/reset", "/reset?app_id=" + keys.DevAppID} {
		t.Run(reset, func(t *testing.T) {
			m := mocktest.New(t, mock.Options{})
			pay := func(out string) string {
				r := m.Call("alipay.trade.pay", `{"out_trade_no":"`+out+`","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`)
				expect(t, r, "code", "10000")
				return r["buyer_user_id"].(string)
			}
			first := pay("AC1")
			if again := pay("AC2"); again != first {
				t.Fatalf("one auth_code, two buyers before the reset: %s, %s", first, again)
			}
			m.Control(http.MethodPost, reset, nil, http.StatusOK)
			if after := pay("AC3"); after != first {
				t.Fatalf("the auth_code pays as %s after the reset, as %s before", after, first)
			}
		})
	}
}
