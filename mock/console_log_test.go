package mock_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// logLines keeps the JSON log records a mock writes and wakes whoever
// waits for one.
type logLines struct {
	mu      sync.Mutex
	records []map[string]any
	changed chan struct{}
}

func newLogLines() *logLines { return &logLines{changed: make(chan struct{})} }

func (l *logLines) Write(p []byte) (int, error) {
	var rec map[string]any
	if err := json.Unmarshal(p, &rec); err != nil {
		return 0, err
	}
	l.mu.Lock()
	l.records = append(l.records, rec)
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
	return len(p), nil
}

// wait returns the first record with message msg whose attributes include
// want (compared as text), failing the test after mocktest.Timeout.
func (l *logLines) wait(t *testing.T, msg string, want map[string]string) map[string]any {
	t.Helper()
	deadline := time.NewTimer(mocktest.Timeout)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		for _, r := range l.records {
			if r["msg"] == msg && matches(r, want) {
				l.mu.Unlock()
				return r
			}
		}
		ch := l.changed
		l.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("no %q line with %v in %v", msg, want, l.records)
			return nil
		}
	}
}

func matches(r map[string]any, want map[string]string) bool {
	for k, v := range want {
		got, ok := r[k]
		if !ok {
			return false
		}
		if s, isText := got.(string); isText {
			if s != v {
				return false
			}
		} else if b, _ := json.Marshal(got); string(b) != v {
			return false
		}
	}
	return true
}

// Every gateway request (gateway.do and v3), delivery attempt and clock
// change is one info line saying what happened.
func TestConsoleLogsRequestsNotificationsAndClock(t *testing.T) {
	logs := newLogLines()
	m := mocktest.New(t, mock.Options{Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	shop := mocktest.NewMerchant(t, "fail", "success")

	// gateway.do, success, with a notify_url.
	m.Post(m.Params("alipay.trade.precreate", `{"out_trade_no":"LOG-1","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = shop.URL }))
	r := logs.wait(t, "gateway.do", map[string]string{"method": "alipay.trade.precreate", "out_trade_no": "LOG-1"})
	if r["level"] != "INFO" || r["app_id"] != keys.DevAppID || r["code"] != "10000" || r["status"] != 200.0 {
		t.Fatalf("precreate line: %v", r)
	}
	if _, ok := r["ms"].(float64); !ok {
		t.Fatalf("no milliseconds: %v", r)
	}
	if _, ok := r["rule"]; ok {
		t.Fatalf("no rule acted, yet the line names one: %v", r)
	}

	// A magic amount: the rule that acted, and the sub_code.
	m.Post(m.Params("alipay.trade.pay", `{"out_trade_no":"LOG-2","total_amount":"40004.01","subject":"s","scene":"bar_code","auth_code":"281234567890123456"}`, nil))
	r = logs.wait(t, "gateway.do", map[string]string{"method": "alipay.trade.pay", "out_trade_no": "LOG-2"})
	if r["code"] != "40004" || r["sub_code"] != "ACQ.BUYER_BALANCE_NOT_ENOUGH" || !strings.Contains(r["rule"].(string), "balance not enough") {
		t.Fatalf("magic amount line: %v", r)
	}

	// v3: the same line, named v3.
	_, err := m.Client(nil).QueryV3(context.Background(), client.QueryRequest{OutTradeNo: "LOG-NONE"})
	if err == nil {
		t.Fatal("query of an unknown trade succeeded")
	}
	r = logs.wait(t, "v3", map[string]string{"method": "alipay.trade.query", "out_trade_no": "LOG-NONE"})
	if r["code"] == "10000" || r["code"] == "-" {
		t.Fatalf("v3 line: %v", r)
	}

	// A notification that fails once, then is delivered on the next
	// attempt, which the clock's advance runs before it answers.
	m.Control(http.MethodPost, "/trades/LOG-1/pay", nil, http.StatusOK)
	m.WaitAttempts("LOG-1", 1)
	r = logs.wait(t, "notification failed", map[string]string{"out_trade_no": "LOG-1", "attempt": "1"})
	if r["result"] != "refused" || r["state"] != "pending" || r["next_attempt"] == nil {
		t.Fatalf("failed attempt line: %v", r)
	}
	m.Advance("4m")
	r = logs.wait(t, "notification", map[string]string{"out_trade_no": "LOG-1", "attempt": "2"})
	if r["result"] != "success" || r["state"] != "delivered" {
		t.Fatalf("delivered attempt line: %v", r)
	}
	logs.wait(t, "clock", map[string]string{"change": "advance", "source": "control-api", "now": mocktestNow(m)})

	// set and speed, through the control API and the dashboard.
	m.Control(http.MethodPost, "/clock", map[string]any{"set": "2030-05-06 07:08:09", "speed": 0}, http.StatusOK)
	logs.wait(t, "clock", map[string]string{"change": "set+speed", "now": "2030-05-06 07:08:09", "source": "control-api"})
	resp, err := http.PostForm(m.URL+"/_mock/ui/clock/set", url.Values{"at": {"2031-01-02 03:04:05"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	logs.wait(t, "clock", map[string]string{"change": "set", "now": "2031-01-02 03:04:05", "source": "dashboard"})
}

// mocktestNow is the mock's clock reading as the log writes it.
func mocktestNow(m *mocktest.Mock) string {
	return m.Clock.Now().In(time.FixedZone("GMT+8", 8*3600)).Format(time.DateTime)
}
