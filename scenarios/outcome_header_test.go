package scenarios_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// X-Alipay-Mock takes code, sub_code, sub_msg and execute (true or false)
// alone: another execute value ("1") or another key (a typo: "subcode",
// "excute") is 40002 isv.invalid-parameter naming it, where it was taken
// as false or dropped, and the test believed money moved that did not.
func TestOutcomeHeaderReadsStrictly(t *testing.T) {
	e := newEnv(t, mock.Options{})
	for i, h := range []string{"code=20000&execute=1", "code=40004&subcode=ACQ.TRADE_HAS_CLOSE", "code=20000&excute=true"} {
		out := "HDR-" + string(rune('1'+i))
		c, err := client.New(client.Config{GatewayURL: e.http.URL + "/gateway.do", AppID: keys.DevAppID,
			PrivateKeyRSA: keys.DevAppPrivateKey(), AlipayPublicKeyRSA: e.srv.AlipayPublicKey(), Now: e.clock.Now,
			HTTPClient: &http.Client{Transport: headerTransport(h)}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Precreate(e.ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse("1.00"), Subject: "hdr"}})
		if code(err) != "40002 isv.invalid-parameter" {
			t.Errorf("X-Alipay-Mock: %s: answered %s, want 40002 isv.invalid-parameter naming what it does not take", h, code(err))
		}
	}
}

// X-Alipay-Mock: 1 is the marker docs/security.md and docs/control-api.md
// tell a browser to send on control-API calls; a harness sets it on every
// request of its context (Playwright's extraHTTPHeaders), navigations and
// gateway calls included. It forces nothing, on every method: page pay
// goes on to the cashier, a gateway call answers as without it, and a
// scenario rule still acts on it.
func TestOutcomeHeaderBrowserMarkerForcesNothing(t *testing.T) {
	e := newEnv(t, mock.Options{})
	if st, b, loc := e.pagePay("MARK-1", "1"); st != http.StatusFound || !strings.Contains(loc, "/cashier/") {
		t.Errorf("page pay with X-Alipay-Mock: 1: HTTP %d (Location %q) %.200s; want the cashier", st, loc, b)
	}
	e.control("POST", "/scenarios?app_id="+keys.DevAppID, "name: marked\nrules:\n  - when: {method: alipay.trade.query, biz: {out_trade_no: MARK-Q}}\n    then: {respond: {code: \"40004\", sub_code: ACQ.SYSTEM_ERROR}}\n", http.StatusCreated)
	c, err := client.New(client.Config{GatewayURL: e.http.URL + "/gateway.do", AppID: keys.DevAppID,
		PrivateKeyRSA: keys.DevAppPrivateKey(), AlipayPublicKeyRSA: e.srv.AlipayPublicKey(), Now: e.clock.Now,
		HTTPClient: &http.Client{Transport: headerTransport("1")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Precreate(e.ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "MARK-2", TotalAmount: amount.MustParse("1.00"), Subject: "mark"}}); err != nil {
		t.Errorf("precreate with X-Alipay-Mock: 1: %v, want it opened", err)
	}
	if _, err := c.Query(e.ctx, client.QueryRequest{OutTradeNo: "MARK-Q"}); code(err) != "40004 ACQ.SYSTEM_ERROR" {
		t.Errorf("query with X-Alipay-Mock: 1 under a respond 40004 rule: %s, want the rule's 40004 ACQ.SYSTEM_ERROR", code(err))
	}
}
