package scenarios_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/control"
	"github.com/alipay-mock/alipay-mock/mock/journal"
)

func TestMagicAmounts(t *testing.T) {
	e := newEnv(t, mock.Options{})
	order := func(out, total string) client.PrecreateRequest {
		return client.PrecreateRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse(total), Subject: "magic"}}
	}
	if _, err := e.c.Precreate(e.ctx, order("M1", "20000.00")); code(err) != "20000 isp.unknow-error" {
		t.Errorf("20000.00: %v", err)
	}
	e.control("GET", "/trades/M1", "", http.StatusNotFound)
	if _, err := e.c.Precreate(e.ctx, order("M2", "20000.01")); code(err) != "20000 isp.unknow-error" {
		t.Errorf("20000.01: %v", err)
	}
	e.control("GET", "/trades/M2", "", http.StatusOK)
	if _, err := e.pay("M3", "40004.01"); code(err) != "40004 ACQ.BUYER_BALANCE_NOT_ENOUGH" {
		t.Errorf("40004.01: %v", err)
	}
	if _, err := e.c.Precreate(e.ctx, order("M4", "502.00")); err == nil || !strings.Contains(err.Error(), "502") {
		t.Errorf("502.00: %v", err)
	}
	if _, err := e.c.Precreate(e.ctx, order("M5", "444.00")); err == nil || strings.Contains(code(err), "4000") {
		t.Errorf("444.00 drops the connection: %v", err)
	}
	// Off with the option.
	plain := newEnv(t, mock.Options{NoMagicAmounts: true})
	if _, err := plain.c.Precreate(plain.ctx, order("M1", "20000.00")); err != nil {
		t.Errorf("without magic amounts: %v", err)
	}
}

// headerTransport adds the X-Alipay-Mock header to every request.
type headerTransport string

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Alipay-Mock", string(h))
	return http.DefaultTransport.RoundTrip(r)
}

func TestOutcomeHeaderThroughTheClient(t *testing.T) {
	e := newEnv(t, mock.Options{})
	c, err := client.New(client.Config{GatewayURL: e.http.URL + "/gateway.do", AppID: keys.DevAppID,
		PrivateKeyRSA: keys.DevAppPrivateKey(), AlipayPublicKeyRSA: e.srv.AlipayPublicKey(), Now: e.clock.Now,
		HTTPClient: &http.Client{Transport: headerTransport("code=40004&sub_code=ACQ.SYSTEM_ERROR")}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Query(e.ctx, client.QueryRequest{OutTradeNo: "anything"})
	var ae *client.Error
	if !asError(err, &ae) || ae.SubCode != "ACQ.SYSTEM_ERROR" || ae.SubMsg != "系统异常" {
		t.Fatalf("forced answer: %v", err)
	}
}

// A scenario put for one app acts only on that app's requests.
func TestScenarioScopedPerApp(t *testing.T) {
	other := "9021000100000009"
	e := newEnv(t, mock.Options{Apps: []apps.Spec{{AppID: other, PublicKey: string(keys.DevFile("app_public_key.pem"))}}})
	otherClient, err := client.New(client.Config{GatewayURL: e.http.URL + "/gateway.do", AppID: other,
		PrivateKeyRSA: keys.DevAppPrivateKey(), AlipayPublicKeyRSA: e.srv.AlipayPublicKey(), Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	body := "name: busy\nrules:\n  - when: {method: alipay.trade.query}\n    then: {respond: {code: \"20000\"}}\n"
	e.control("PUT", "/scenarios?app_id="+other, body, http.StatusOK)
	if _, err := otherClient.Query(e.ctx, client.QueryRequest{OutTradeNo: "X"}); code(err) != "20000 isp.unknow-error" {
		t.Errorf("scoped app: %v", err)
	}
	if _, err := e.c.Query(e.ctx, client.QueryRequest{OutTradeNo: "X"}); code(err) != "40004 ACQ.TRADE_NOT_EXIST" {
		t.Errorf("the dev app is not affected: %v", err)
	}
	// A broken upload is refused with its line, and changes nothing.
	bad := e.control("PUT", "/scenarios?app_id="+other, "rules:\n  - when: {method: alipay.trade.querry}\n    then: {delay: 1s}\n", http.StatusBadRequest)
	if !strings.Contains(string(bad), `"line":2`) || !strings.Contains(string(bad), "alipay.trade.querry") {
		t.Errorf("problems: %s", bad)
	}
	if _, err := otherClient.Query(e.ctx, client.QueryRequest{OutTradeNo: "X"}); code(err) != "20000 isp.unknow-error" {
		t.Errorf("a refused upload keeps what was in force: %v", err)
	}
	e.control("DELETE", "/scenarios?app_id="+other, "", http.StatusOK)
	if _, err := otherClient.Query(e.ctx, client.QueryRequest{OutTradeNo: "X"}); code(err) != "40004 ACQ.TRADE_NOT_EXIST" {
		t.Errorf("cleared: %v", err)
	}
}

func TestJournal(t *testing.T) {
	e := newEnv(t, mock.Options{})
	e.precreate("POLLPAY-J", "1.00")
	e.precreate("OTHER-J", "1.00")
	stranger, err := keys.Generate(1024)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := client.New(client.Config{GatewayURL: e.http.URL + "/gateway.do", AppID: keys.DevAppID,
		PrivateKeyRSA: stranger.Private, AlipayPublicKeyRSA: e.srv.AlipayPublicKey(), Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = bad.Query(e.ctx, client.QueryRequest{OutTradeNo: "X"})

	var list []journal.Entry
	if err := control.UnmarshalText(e.control("GET", "/journal?method=alipay.trade.precreate", "", 200), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("entries: %+v", list)
	}
	other, hit := list[0], list[1] // newest first
	if hit.Rule != "qr-pay-after-polls/buyer pays on the 4th query" || !hit.Verified || hit.Code != "10000" || !strings.Contains(hit.Response, "qr_code") {
		t.Errorf("matched entry: %+v", hit)
	}
	if other.Rule != "" || len(other.Misses) == 0 || !strings.Contains(strings.Join(other.Misses, "\n"), `biz.out_trade_no "OTHER-J" does not start with "POLLPAY-"`) {
		t.Errorf("misses: %+v", other.Misses)
	}
	if err := control.UnmarshalText(e.control("GET", "/journal?failed=true", "", 200), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].SubCode != "isv.invalid-signature" || list[0].StringToSign == "" ||
		!strings.Contains(list[0].Explanation, "does not match") || list[0].KeyUsed == "" {
		t.Fatalf("failed signature entry: %+v", list)
	}
	for k := range list[0].Params {
		if strings.Contains(strings.ToLower(k), "private") {
			t.Error("no key material in the journal")
		}
	}
	e.control("POST", "/reset", "", 200)
	if err := control.UnmarshalText(e.control("GET", "/journal", "", 200), &list); err != nil || len(list) != 0 {
		t.Errorf("reset clears the journal: %v %d", err, len(list))
	}
}

func asError(err error, target **client.Error) bool {
	e, ok := err.(*client.Error)
	if ok {
		*target = e
	}
	return ok
}

// The journal keeps every miss of a call, each its own text, whichever
// way the rule missed (nth, times, a condition).
func TestJournalMissesEachRule(t *testing.T) {
	e := newEnv(t, mock.Options{})
	body := `name: kinds
rules:
  - name: first call
    when: {method: alipay.trade.query, nth: 1}
    then: {respond: {code: "20000"}}
  - name: once
    when: {method: alipay.trade.query}
    times: 1
    then: {respond: {code: "20000"}}
  - name: never
    when:
      method: alipay.trade.query
      biz: {out_trade_no: {regex: "^NEVER-"}}
    then: {respond: {code: "20000"}}
`
	e.control("PUT", "/scenarios?app_id="+keys.DevAppID, body, http.StatusOK)
	for range 3 {
		_, _ = e.c.Query(e.ctx, client.QueryRequest{OutTradeNo: "Q-1"})
	}
	var list []journal.Entry
	if err := control.UnmarshalText(e.control("GET", "/journal?method=alipay.trade.query", "", 200), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("entries: %+v", list)
	}
	third := list[0] // newest first
	if len(third.Misses) < 3 || third.Misses[0] != "kinds/first call: call 3 is not nth [1]" ||
		third.Misses[1] != "kinds/once: used up (times 1)" || !strings.HasPrefix(third.Misses[2], `kinds/never: biz.out_trade_no "Q-1" `) {
		t.Errorf("third call's misses: %q", third.Misses)
	}
	if second := list[1]; second.Rule != "kinds/once" || len(second.Misses) == 0 || second.Misses[0] != "kinds/first call: call 2 is not nth [1]" {
		t.Errorf("second call: rule %q, misses %q", second.Rule, second.Misses)
	}
}
