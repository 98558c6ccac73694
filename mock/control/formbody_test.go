package control_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/control"
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

// Every control-API endpoint that reads a JSON body answers a body that
// is not JSON of its shape 400 saying what it must be, and changes
// nothing; a body over its bound is 413 (an app) or 400 (a balance).
func TestMalformedJSONSaysWhatTheBodyMustBe(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	m.Call("alipay.trade.precreate", `{"out_trade_no":"BAD-1","total_amount":"1.00","subject":"s"}`)
	const buyer = `body must be JSON: {\"buyer_id\":...,\"buyer_logon_id\":...}`
	for _, tc := range []struct{ path, body, say string }{
		{"/trades/BAD-1/pay", `{`, buyer},
		{"/trades/BAD-1/scan", `[1]`, buyer},
		{"/red-packets/x/pay", `{`, buyer},
		{"/clock", `{`, `body must be JSON with speed, set or both: {\"speed\":60}, {\"set\":\"2026-11-23 10:00:00\"} or {\"set\":\"now\"}; to move the clock by a duration or to the next job, POST /_mock/clock/advance {\"by\":\"25h\"} or {\"to\":\"next\"}`},
		{"/clock", `{"by":"25h"}`, `body must be JSON with speed, set or both: {\"speed\":60}, {\"set\":\"2026-11-23 10:00:00\"} or {\"set\":\"now\"}; to move the clock by a duration or to the next job, POST /_mock/clock/advance {\"by\":\"25h\"} or {\"to\":\"next\"} (no field \"by\")`},
		{"/clock/advance", `{"by":1}`, `body must be JSON: {\"by\":\"25h\"} or {\"to\":\"next\"}`},
		{"/faults", `{`, `body must be JSON: {\"method\":...,\"code\":\"20000\",\"execute\":true}`},
		{"/app-auth-codes", `{`, `body must be JSON: {\"app_id\":\"\u003cISV app\u003e\",\"merchant_app_id\":\"\u003coptional\u003e\"}`},
		{"/user-auth-codes", `{`, `body must be JSON: {\"app_id\":\"…\",\"scope\":\"auth_user|auth_base\",\"user_id\":\"\u003coptional\u003e\"}`},
		{"/app-pay", `{`, `body must be JSON: {\"order_string\":...,\"action\":\"pay\"}`},
		{"/app-pay", `{"action":"pay"}`, `body must be JSON: {\"order_string\":...,\"action\":\"pay\"}`},
		{"/apps", `{`, `body must be JSON: {\"app_id\":...,\"public_key\":...,\"sign_type\":\"RSA2\"}`},
		{"/apps/" + keys.DevAppID + "/balance", `{"available_amount":"1.001"}`, `body must be JSON: {\"available_amount\":\"100.00\"} (yuan, at most two decimals)`},
		{"/apps/" + keys.DevAppID + "/balance", `{}`, `body must be JSON: {\"available_amount\":\"100.00\"} (yuan, at most two decimals)`},
		{"/apps/" + keys.DevAppID + "/balance", `{"available_amount":"` + strings.Repeat("1", 5<<10) + `"}`, `body must be JSON: {\"available_amount\":\"100.00\"} (yuan, at most two decimals)`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			status, body := send(t, m, "POST", tc.path, "application/json", []byte(tc.body))
			if want := `{"error":"` + tc.say + `"}`; status != http.StatusBadRequest || strings.TrimSpace(body) != want {
				t.Errorf("HTTP %d %s\nwant 400 %s", status, body, want)
			}
		})
	}
	status, body := send(t, m, "POST", "/apps", "application/json", []byte(`{"public_key":"`+strings.Repeat("k", control.MaxAppBytes)+`"}`))
	if want := `{"error":"body over 64 KiB: an app needs its key and certificate only"}`; status != http.StatusRequestEntityTooLarge || strings.TrimSpace(body) != want {
		t.Errorf("an app over its bound: HTTP %d %s\nwant 413 %s", status, body, want)
	}
	var tr map[string]any
	m.ControlJSON("GET", "/trades/BAD-1", nil, http.StatusOK, &tr)
	if tr["trade_status"] != "WAIT_BUYER_PAY" {
		t.Errorf("the trade is %v after bodies that were refused", tr["trade_status"])
	}
}
