package scenarios_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// pagePay opens out's page pay URL (with header h, X-Alipay-Mock, when
// given) without following the redirect: the status, the body and where
// it redirects.
func (e *env) pagePay(out, h string) (int, string, string) {
	e.t.Helper()
	u, err := e.c.PagePayURL(client.PagePayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse("1.00"), Subject: "page"}})
	if err != nil {
		e.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if h != "" {
		req.Header.Set("X-Alipay-Mock", h)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, err := noFollow.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	return r.StatusCode, string(b), r.Header.Get("Location")
}

// A forced answer on a page method is shown on the cashier's error page,
// as production shows a bad page pay's error (docs/scenarios.md): a rule's
// respond, an answer queued for the method (used up by it), and the
// X-Alipay-Mock header alike; nothing opens.
func TestForcedAnswerOnPagePayShowsTheErrorPage(t *testing.T) {
	e := newEnv(t, mock.Options{})
	e.control("POST", "/scenarios?app_id="+keys.DevAppID, "name: page-fails\nrules:\n  - when: {method: alipay.trade.page.pay, biz: {out_trade_no: PAGE-1}}\n    then: {respond: {code: \"40004\", sub_code: ACQ.SYSTEM_ERROR}}\n", http.StatusCreated)
	if st, b, loc := e.pagePay("PAGE-1", ""); st != http.StatusOK || !strings.Contains(b, "SYSTEM_ERROR") {
		t.Errorf("page pay under a respond 40004 rule: HTTP %d %s (Location %q), want the error page naming ACQ.SYSTEM_ERROR", st, b, loc)
	}
	e.control("POST", "/faults", `{"method":"alipay.trade.page.pay","code":"40004","sub_code":"ACQ.TRADE_HAS_CLOSE"}`, http.StatusCreated)
	if st, b, loc := e.pagePay("PAGEQ-1", ""); st != http.StatusOK || !strings.Contains(b, "TRADE_HAS_CLOSE") {
		t.Errorf("page pay with an answer queued for it: HTTP %d %s (Location %q), want the error page", st, b, loc)
	}
	var left []map[string]any
	if err := json.Unmarshal(e.control("GET", "/faults", "", http.StatusOK), &left); err != nil || len(left) != 0 {
		t.Errorf("queue after the page pay took its answer: %v %v, want empty", left, err)
	}
	if st, b, loc := e.pagePay("PAGEH-1", "code=40004&sub_code=ACQ.SYSTEM_ERROR"); st != http.StatusOK || !strings.Contains(b, "SYSTEM_ERROR") {
		t.Errorf("page pay with X-Alipay-Mock code=40004: HTTP %d (Location %q), want the error page naming ACQ.SYSTEM_ERROR", st, loc)
	}
	// Without a forced answer, the cashier.
	if st, _, loc := e.pagePay("PAGE-2", ""); st != http.StatusFound || !strings.Contains(loc, "/cashier/") {
		t.Errorf("page pay without a forced answer: HTTP %d to %q, want the cashier", st, loc)
	}
}

// then.fields, delay and fault change, hold or break the gateway's API
// answer; a page method's answer is the cashier page: such a rule is a
// problem of the file, not one that loads and does nothing.
func TestAnswerActionsOnAPageMethodAreAProblem(t *testing.T) {
	e := newEnv(t, mock.Options{})
	for _, then := range []string{"{fields: {x: y}}", "{delay: 1s}", "{fault: drop}"} {
		body := "rules:\n  - when: {method: [alipay.trade.query, alipay.trade.wap.pay]}\n    then: " + then + "\n"
		b := e.control("POST", "/scenarios?app_id="+keys.DevAppID, body, http.StatusBadRequest)
		if !strings.Contains(string(b), "alipay.trade.wap.pay") {
			t.Errorf("%s on wap pay: %s, want a problem naming the method", then, b)
		}
	}
}

// POST /_mock/app-pay stands in for the Alipay app: an answer forced on
// the order string's method (a queued answer, a scenario's respond) is
// its 400, with the code, rather than a trade opened as if it were not
// there; with execute the trade opens first.
func TestForcedAnswerOnAnAppPayOrderString(t *testing.T) {
	e := newEnv(t, mock.Options{})
	order := func(out string) string {
		os, err := e.c.AppPayOrderString(client.AppPayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse("1.00"), Subject: "app"}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(map[string]string{"order_string": os})
		return string(b)
	}
	e.control("POST", "/faults", `{"method":"alipay.trade.app.pay","code":"40004","sub_code":"ACQ.SYSTEM_ERROR"}`, http.StatusCreated)
	if b := e.control("POST", "/app-pay", order("APPF-1"), http.StatusBadRequest); !strings.Contains(string(b), "ACQ.SYSTEM_ERROR") {
		t.Errorf("app pay with an answer queued for it: %s, want 400 naming ACQ.SYSTEM_ERROR", b)
	}
	e.control("GET", "/trades/APPF-1", "", http.StatusNotFound) // nothing opened
	e.control("POST", "/faults", `{"method":"alipay.trade.app.pay","code":"20000","execute":true}`, http.StatusCreated)
	e.control("POST", "/app-pay", order("APPF-2"), http.StatusBadRequest)
	e.control("GET", "/trades/APPF-2", "", http.StatusOK) // opened, its answer lost
	e.control("POST", "/app-pay", order("APPF-3"), http.StatusOK)
}

// 10003 (in progress) is no answer of a page method: forced on page pay it
// opened the trade (execute) and then showed an error page with an empty
// reason, the buyer never reaching the cashier. A scenario's respond, a
// queued answer for the method and the header are refused alike; an
// answer queued for any method is left for a method that can take it.
func TestProcessingIsNoAnswerOfAPageMethod(t *testing.T) {
	e := newEnv(t, mock.Options{})
	for _, respond := range []string{`{code: "10003", execute: true}`, `{code: "10003"}`} {
		b := e.control("POST", "/scenarios?app_id="+keys.DevAppID, "name: p\nrules:\n  - when: {method: alipay.trade.page.pay}\n    then: {respond: "+respond+"}\n", http.StatusBadRequest)
		if !strings.Contains(string(b), "alipay.trade.page.pay") || !strings.Contains(string(b), "10003") {
			t.Errorf("respond %s on page pay: %s, want a problem naming the method and 10003", respond, b)
		}
	}
	if b := e.control("POST", "/faults", `{"method":"alipay.trade.wap.pay","code":"10003","execute":true}`, http.StatusBadRequest); !strings.Contains(string(b), "alipay.trade.wap.pay") {
		t.Errorf("a 10003 queued for wap pay: %s, want 400 naming the method", b)
	}
	if st, b, _ := e.pagePay("P10003-H", "code=10003&execute=true"); st != http.StatusOK || !strings.Contains(b, "invalid-parameter") || !strings.Contains(b, "10003") {
		t.Errorf("page pay with X-Alipay-Mock code=10003&execute=true: HTTP %d %.300s, want the error page naming the header's 10003", st, b)
	}
	e.control("GET", "/trades/P10003-H", "", http.StatusNotFound) // nothing opened
	e.control("POST", "/faults", `{"code":"10003","execute":true}`, http.StatusCreated)
	if st, _, loc := e.pagePay("P10003-Q", ""); st != http.StatusFound || !strings.Contains(loc, "/cashier/") {
		t.Errorf("page pay with a 10003 queued for any method: HTTP %d to %q, want the cashier", st, loc)
	}
	if left := e.control("GET", "/faults", "", http.StatusOK); !strings.Contains(string(left), "10003") {
		t.Errorf("the 10003 queued for any method was used by page pay: queue %s", left)
	}
}

// A forced answer with execute answers its request whatever the method's
// own result (dispatch: the operation ran, only its answer is lost), and
// page methods follow the same rules: page pay (a queued answer, the
// header) and app pay (POST /_mock/app-pay) of a trade that does not open
// (its out_trade_no is paid already) show the forced answer, as precreate
// answers it, not the real error.
func TestForcedExecuteAnswersAPageOpenThatFails(t *testing.T) {
	e := newEnv(t, mock.Options{})
	if _, err := e.pay("PEX-1", "1.00"); err != nil {
		t.Fatal(err)
	}
	e.control("POST", "/faults", `{"method":"alipay.trade.precreate","code":"20000","execute":true}`, http.StatusCreated)
	_, err := e.c.Precreate(e.ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "PEX-1", TotalAmount: amount.MustParse("1.00"), Subject: "x"}})
	if code(err) != "20000 isp.unknow-error" {
		t.Fatalf("precreate of a paid trade under a queued 20000 execute: %s, want the forced 20000", code(err))
	}
	e.control("POST", "/faults", `{"method":"alipay.trade.page.pay","code":"20000","execute":true}`, http.StatusCreated)
	if st, b, _ := e.pagePay("PEX-1", ""); st != http.StatusOK || !strings.Contains(b, "unknow-error") || strings.Contains(b, "TRADE_HAS_SUCCESS") {
		t.Errorf("page pay of a paid trade under a queued 20000 execute: HTTP %d %.300s, want the forced 20000's error page", st, b)
	}
	if st, b, _ := e.pagePay("PEX-1", "code=40004&sub_code=ACQ.SYSTEM_ERROR&execute=true"); st != http.StatusOK || !strings.Contains(b, "SYSTEM_ERROR") {
		t.Errorf("page pay of a paid trade with the header's 40004 execute: HTTP %d %.300s, want the forced ACQ.SYSTEM_ERROR", st, b)
	}
	os, err := e.c.AppPayOrderString(client.AppPayRequest{Order: client.Order{OutTradeNo: "PEX-1", TotalAmount: amount.MustParse("1.00"), Subject: "app"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"order_string": os})
	e.control("POST", "/faults", `{"method":"alipay.trade.app.pay","code":"20000","execute":true}`, http.StatusCreated)
	if b := e.control("POST", "/app-pay", string(body), http.StatusBadRequest); !strings.Contains(string(b), "20000") || strings.Contains(string(b), "TRADE_HAS_SUCCESS") {
		t.Errorf("app pay of a paid trade under a queued 20000 execute: %s, want the forced 20000", b)
	}
	if left := string(e.control("GET", "/faults", "", http.StatusOK)); left != "[]" && left != "[]\n" {
		t.Errorf("queue after: %s, want every answer used", left)
	}
}
