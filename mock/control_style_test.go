package mock_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

var (
	alipayTime = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`)
	rfc3339    = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d`)
)

// Every time the control API writes is GMT+8 "yyyy-MM-dd HH:mm:ss", as
// Alipay writes times: trades, refunds, red packets, notifications and
// their attempts, the journal, the clock (also after a set) and /health;
// RFC 3339 only in a member named so (the clock's now_rfc3339).
func TestControlAPITimesAreAlipayText(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	shop := mocktest.NewMerchant(t, "fail")
	m.Post(m.Params("alipay.trade.precreate", `{"out_trade_no":"TXT-1","total_amount":"2.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = shop.URL }))
	m.Control(http.MethodPost, "/trades/TXT-1/pay", nil, http.StatusOK)
	m.Call("alipay.trade.refund", `{"out_trade_no":"TXT-1","refund_amount":"1.00","out_request_no":"TXT-R"}`)
	m.WaitAttempts("TXT-1", 1)
	m.Control(http.MethodPost, "/clock", map[string]any{"set": "2030-05-06 07:08:09"}, http.StatusOK)

	var trade map[string]any
	m.ControlJSON(http.MethodGet, "/trades/TXT-1", nil, http.StatusOK, &trade)
	if got := trade["gmt_create"]; got != timestamp.Format(mocktest.Epoch) {
		t.Errorf("gmt_create %v, want %s", got, timestamp.Format(mocktest.Epoch))
	}
	var clk map[string]any
	m.ControlJSON(http.MethodGet, "/clock", nil, http.StatusOK, &clk)
	if clk["now"] != "2030-05-06 07:08:09" {
		t.Errorf("clock after a set: now %v", clk["now"])
	}

	seen := 0
	for _, path := range []string{"/trades", "/trades/TXT-1", "/notifications", "/journal", "/clock",
		"/health", "/red-packets", "/app-auth-tokens"} {
		var v any
		m.ControlJSON(http.MethodGet, path, nil, http.StatusOK, &v)
		walkStrings(v, "", func(at, s string) {
			if rfc3339.MatchString(s) && !strings.HasSuffix(at, "_rfc3339") {
				t.Errorf("GET /_mock%s: %s is RFC 3339: %q", path, at, s)
			}
			if alipayTime.MatchString(s) {
				seen++
			}
		})
	}
	if seen < 10 {
		t.Fatalf("only %d times in the answers: the test saw too little", seen)
	}
}

func walkStrings(v any, at string, f func(at, s string)) {
	switch x := v.(type) {
	case string:
		f(at, x)
	case map[string]any:
		for k, e := range x {
			walkStrings(e, at+"."+k, f)
		}
	case []any:
		for i, e := range x {
			b, _ := json.Marshal(i)
			walkStrings(e, at+"["+string(b)+"]", f)
		}
	}
}

// Enumerations refuse what they do not have with a 400 (404 for an action
// in the path) that lists the valid values; refusals Alipay has come in
// English with Alipay's code and text alongside.
func TestControlAPIErrorsNameTheValidValues(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	m.Call("alipay.trade.precreate", `{"out_trade_no":"ERR-1","total_amount":"2.00","subject":"s"}`)
	cases := []struct {
		method, path string
		body         any
		status       int
		error        string
		valid        []string
	}{
		{"GET", "/trades?status=PAID", nil, 400, `status must be one of WAIT_BUYER_PAY, TRADE_SUCCESS, TRADE_CLOSED, TRADE_FINISHED, not "PAID"`,
			[]string{"WAIT_BUYER_PAY", "TRADE_SUCCESS", "TRADE_CLOSED", "TRADE_FINISHED"}},
		{"GET", "/red-packets?status=PAID", nil, 400, `status must be one of INIT, AUTHORIZED, FINISH, CLOSED, not "PAID"`,
			[]string{"INIT", "AUTHORIZED", "FINISH", "CLOSED"}},
		{"GET", "/notifications?state=failed", nil, 400, `state must be one of pending, delivered, given_up, suppressed, not "failed"`,
			[]string{"pending", "delivered", "given_up", "suppressed"}},
		{"GET", "/journal?failed=yes", nil, 400, `failed must be one of true, false, not "yes"`, []string{"true", "false"}},
		{"GET", "/alipay-public-key?format=der", nil, 400, `format must be one of pem, base64, not "der"`, []string{"pem", "base64"}},
		{"POST", "/trades/ERR-1/refund", nil, 404, `action must be one of scan, pay, fail, close, not "refund"`, []string{"scan", "pay", "fail", "close"}},
		{"POST", "/red-packets/X/claim", nil, 404, `action must be one of pay, close, not "claim"`, []string{"pay", "close"}},
		{"POST", "/clock/advance", map[string]string{"to": "end"}, 400, `to must be one of next, not "end"`, []string{"next"}},
		{"POST", "/clock", map[string]any{"speed": -1}, 400, "speed is a number from 0 (frozen) to 1000000, not -1", nil},
	}
	for _, tc := range cases {
		var got struct {
			Error string   `json:"error"`
			Valid []string `json:"valid"`
		}
		m.ControlJSON(tc.method, tc.path, tc.body, tc.status, &got)
		if got.Error != tc.error || strings.Join(got.Valid, ",") != strings.Join(tc.valid, ",") {
			t.Errorf("%s %s: %+v\nwant error %q valid %v", tc.method, tc.path, got, tc.error, tc.valid)
		}
	}

	// A refusal Alipay has: English, then Alipay's own words.
	m.Control("POST", "/trades/ERR-1/close", nil, http.StatusOK)
	var refused map[string]string
	m.ControlJSON("POST", "/trades/ERR-1/pay", nil, http.StatusConflict, &refused)
	if refused["error"] != "the trade's status does not allow this" || refused["code"] != "40004" ||
		refused["sub_code"] != "ACQ.TRADE_STATUS_ERROR" || !strings.HasPrefix(refused["sub_msg"], "交易状态非法") {
		t.Errorf("closed trade paid: %v", refused)
	}
	var opened map[string]string
	m.ControlJSON("POST", "/app-pay", map[string]string{"order_string": "app_id=" + keys.DevAppID + "&method=alipay.trade.app.pay&sign=AAAA"}, http.StatusBadRequest, &opened)
	if !strings.HasPrefix(opened["error"], "order_string refused: ") || opened["code"] == "" || opened["sub_code"] == "" {
		t.Errorf("a bad order string: %v", opened)
	}
	for _, path := range []string{"/trades/NOPE", "/notifications/NOPE", "/journal/999"} {
		var e map[string]string
		m.ControlJSON("GET", path, nil, http.StatusNotFound, &e)
		if !regexp.MustCompile(`^[ -~]+$`).MatchString(e["error"]) {
			t.Errorf("GET %s: error not in English: %q", path, e["error"])
		}
	}
}

// The global scenario scope is "global" in the list, and ?app_id=global
// names it on input.
func TestScenarioGlobalScopeIsNamed(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	var list map[string]any
	m.ControlJSON("GET", "/scenarios", nil, http.StatusOK, &list)
	if _, ok := list[""]; ok {
		t.Fatalf("the global scope is still the key \"\": %v", list)
	}
	if _, ok := list["global"]; !ok {
		t.Fatalf("no global scope (the magic amounts are in it): %v", list)
	}
	m.Control("POST", "/scenarios?app_id=global&name=mine",
		"rules:\n  - name: r\n    when: {method: alipay.trade.query}\n    then: {respond: {code: \"20000\"}}\n", http.StatusCreated)
	m.ControlJSON("GET", "/scenarios", nil, http.StatusOK, &list)
	if got, _ := json.Marshal(list["global"]); !strings.Contains(string(got), `"mine"`) {
		t.Fatalf("app_id=global did not load into the global scope: %s", got)
	}
}
