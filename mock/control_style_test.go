package mock_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

var (
	alipayTime = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`)
	rfc3339    = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d`)
)

// Every time the control API writes is GMT+8 "yyyy-MM-dd HH:mm:ss", as
// Alipay writes times: trades, refunds, red packets, notifications and
// their attempts, the journal, the clock (also after a set) and /health.
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
			if rfc3339.MatchString(s) {
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
