package mock_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// controlPostAny posts a JSON body to the control API and returns the
// status and body, whatever the status.
func controlPostAny(t *testing.T, base, path, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(base+"/_mock"+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestControlBodyRefusesAFieldItDoesNotTake: every JSON body of the control
// API refuses a field it does not take, 400 naming it, and does nothing
// (docs/control-api.md), as /clock, /clock/advance, /faults and /audit
// did. The others ignored it: a misspelt buyer ({"buyer_idd":…}) paid the
// trade, for good, as a new made-up buyer; {"user_idd":…} handed out a
// code for a made-up user; an app registered with "mehtods" was allowed
// every method, the opposite of what was asked.
func TestControlBodyRefusesAFieldItDoesNotTake(t *testing.T) {
	for _, st := range []struct {
		name string
		opts func(t *testing.T) mock.Options
	}{
		{"memory", func(*testing.T) mock.Options { return mock.Options{FundPublicKey: true} }},
		{"data", func(t *testing.T) mock.Options { return mock.Options{FundPublicKey: true, DataDir: t.TempDir()} }},
		{"postgres", func(t *testing.T) mock.Options { return mock.Options{FundPublicKey: true, Store: pgtest.URL(t)} }},
	} {
		t.Run(st.name, func(t *testing.T) { bodiesRefuseUnknownFields(t, mocktest.New(t, st.opts(t))) })
	}
}

func bodiesRefuseUnknownFields(t *testing.T, m *mocktest.Mock) {
	field := func(path string, raw []byte, k string) any {
		t.Helper()
		var obj map[string]any
		if err := json.Unmarshal(raw, &obj); err != nil {
			t.Fatalf("%s: %v\n%s", path, err, raw)
		}
		return obj[k]
	}
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"typo-1","total_amount":"1.00","subject":"Tea"}`), "code", "10000")
	order := mocktest.Form(m.Params("alipay.fund.coupon.order.app.pay", `{"out_order_no":"typo-rp","out_request_no":"typo-rp-pay","order_title":"红包","amount":"8.88"}`, nil)).Encode()
	m.Control(http.MethodPost, "/app-pay", map[string]string{"order_string": order}, http.StatusOK)
	appOrder := mocktest.Form(m.Params("alipay.trade.app.pay", `{"out_trade_no":"typo-app","total_amount":"1.00","subject":"Tea"}`, nil)).Encode()
	balance := field("balance", m.Control(http.MethodGet, "/apps/"+keys.DevAppID+"/balance", nil, http.StatusOK), "available_amount")
	pub, _ := json.Marshal(strings.TrimSpace(string(keys.DevFile("app_public_key.txt"))))

	for _, tc := range []struct{ path, body, bad string }{
		{"/trades/typo-1/pay", `{"buyer_idd":"2088000000000001"}`, "buyer_idd"},
		{"/trades/typo-1/scan", `{"buyer_id":"2088000000000001","buyer_logon":"13800138000"}`, "buyer_logon"},
		{"/trades/typo-1/pay", `{"buyer_id":"2088000000000001","name":"张三"}`, "name"}, // fixtures.Buyer's, not the body's
		{"/red-packets/typo-rp/pay", `{"buyer_idd":"2088000000000001"}`, "buyer_idd"},
		{"/app-pay", `{"order_string":` + string(mustJSON(appOrder)) + `,"actoin":"pay"}`, "actoin"},
		{"/app-auth-codes", `{"app_id":"` + keys.DevAppID + `","merchant_app":"2021000000000001"}`, "merchant_app"},
		{"/user-auth-codes", `{"app_id":"` + keys.DevAppID + `","scope":"auth_user","user_idd":"2088000000000001"}`, "user_idd"},
		{"/apps", `{"app_id":"2021004100000077","public_key":` + string(pub) + `,"mehtods":["alipay.trade.query"]}`, "mehtods"},
		{"/apps/" + keys.DevAppID + "/balance", `{"available_amount":"5.00","note":"x"}`, "note"},
		{"/clock", `{"sped":0}`, "sped"},
		{"/clock/advance", `{"by":"1m","too":"next"}`, "too"},
		{"/faults", `{"method":"alipay.trade.query","code":"20000","time":3}`, "time"},
	} {
		code, body := controlPostAny(t, m.URL, tc.path, tc.body)
		if code != http.StatusBadRequest || !strings.Contains(body, `\"`+tc.bad+`\"`) {
			t.Errorf("POST /_mock%s %s: HTTP %d %.300s\nwant 400 naming %q", tc.path, tc.body, code, body, tc.bad)
		}
	}

	// Nothing was done.
	if st := field("trade", m.Control(http.MethodGet, "/trades/typo-1", nil, http.StatusOK), "trade_status"); st != "WAIT_BUYER_PAY" {
		t.Errorf("typo-1 after refused bodies: %v, want WAIT_BUYER_PAY", st)
	}
	if b := field("trade", m.Control(http.MethodGet, "/trades/typo-1", nil, http.StatusOK), "buyer_id"); b != nil && b != "" {
		t.Errorf("typo-1 after a refused scan has buyer %v", b)
	}
	if st := field("red packet", m.Control(http.MethodGet, "/red-packets/typo-rp", nil, http.StatusOK), "gmt_payment"); st != nil {
		t.Errorf("typo-rp after a refused pay was paid at %v", st)
	}
	m.Control(http.MethodGet, "/trades/typo-app", nil, http.StatusNotFound) // the refused app-pay opened nothing
	if strings.Contains(string(m.Control(http.MethodGet, "/apps", nil, http.StatusOK)), "2021004100000077") {
		t.Error("the app with a misspelt methods was registered")
	}
	if b := field("balance", m.Control(http.MethodGet, "/apps/"+keys.DevAppID+"/balance", nil, http.StatusOK), "available_amount"); b != balance {
		t.Errorf("balance after a refused body: %v, was %v", b, balance)
	}
	if n := string(m.Control(http.MethodGet, "/faults", nil, http.StatusOK)); strings.Contains(n, "alipay.trade.query") {
		t.Errorf("a refused fault was queued: %s", n)
	}

	// The bodies as the docs give them still work.
	m.Control(http.MethodPost, "/trades/typo-1/pay", map[string]string{"buyer_id": "2088000000000001", "buyer_logon_id": "13800138000"}, http.StatusOK)
	m.Control(http.MethodPost, "/red-packets/typo-rp/pay", map[string]string{"buyer_id": "2088000000000002"}, http.StatusOK)
	m.Control(http.MethodPost, "/user-auth-codes", map[string]string{"app_id": keys.DevAppID, "scope": "auth_user", "user_id": "2088000000000001"}, http.StatusCreated)
}

func mustJSON(s string) []byte { b, _ := json.Marshal(s); return b }
