package control_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// Every control-API endpoint that reads JSON refuses a JSON text sent as a
// form (curl -d without -H 'Content-Type: application/json'), saying how
// to send it, and changes nothing: reading it as a form found no fields,
// so the trade was paid by a random buyer, the clock kept its speed, and
// the answer was 200.
func TestJSONSentAsFormIsRefused(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	m.Call("alipay.trade.precreate", `{"out_trade_no":"FORM-1","total_amount":"1.00","subject":"s"}`)
	const form = "application/x-www-form-urlencoded"
	const say = "body must be JSON sent with Content-Type: application/json (got Content-Type application/x-www-form-urlencoded, which curl -d sends unless told otherwise)"
	state := func() string {
		var clk map[string]any
		m.ControlJSON("GET", "/clock", nil, http.StatusOK, &clk)
		var tr map[string]any
		m.ControlJSON("GET", "/trades/FORM-1", nil, http.StatusOK, &tr)
		faults := strings.TrimSpace(string(m.Control("GET", "/faults", nil, http.StatusOK)))
		return clk["now"].(string) + " speed " + jsonText(clk["speed"]) + " " + tr["trade_status"].(string) + " faults " + faults
	}
	before := state()
	for _, tc := range []struct{ path, body string }{
		{"/trades/FORM-1/pay", `{"buyer_id":"2088000000000042"}`},
		{"/trades/FORM-1/scan", `{"buyer_id":"2088000000000042"}`},
		{"/clock", `{"speed":0}`},
		{"/clock", `{"speed":60}`},
		{"/clock/advance", `{"by":"25h"}`},
		{"/faults", `{"method":"alipay.trade.query","code":"20000"}`},
		{"/app-auth-codes", `{"app_id":"9021000100000001"}`},
		{"/user-auth-codes", `{"app_id":"9021000100000001"}`},
		{"/app-pay", `{"order_string":"app_id=9021000100000001","action":"pay"}`},
		{"/red-packets/x/pay", `{"buyer_id":"2088000000000042"}`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			status, body := send(t, m, "POST", tc.path, form, []byte(tc.body))
			if status != http.StatusUnsupportedMediaType || !strings.Contains(body, say) {
				t.Errorf("HTTP %d %s\nwant 415 saying %q", status, body, say)
			}
			if after := state(); after != before {
				t.Errorf("changed: %s\nwas %s", after, before)
			}
		})
	}
	// Sent as JSON, the same body works; an empty body still pays as a
	// new fake buyer.
	m.Control("POST", "/trades/FORM-1/pay", `{"buyer_id":"2088000000000042"}`, http.StatusOK)
	if status, body := send(t, m, "POST", "/clock", "application/json", []byte(`{"speed":0}`)); status != http.StatusOK {
		t.Errorf("JSON: HTTP %d %s", status, body)
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
