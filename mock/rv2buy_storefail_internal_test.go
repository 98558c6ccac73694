package mock

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
)

// POST /_mock/app-pay now answers 503 when the store failed to open the
// order under a forced answer with execute. The cashier page (page pay,
// same opening under the same forced answer) still shows the forced
// answer, which says the trade was refused, not that the store failed.
func TestRv2buyPagePayStoreFailureUnderAForcedAnswerIsAStoreFailure(t *testing.T) {
	s, base := resetMock(t, t.TempDir())
	postScenario(t, base, `name: forced
rules:
  - when: {method: alipay.trade.page.pay}
    then: {respond: {code: "40004", sub_code: ACQ.SYSTEM_ERROR, execute: true}}
`)
	cfg := s.DevCertClientConfig()
	cfg.GatewayURL = base + GatewayPath
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.PagePayURL(client.PagePayRequest{Order: client.Order{OutTradeNo: "RV2-PP-1",
		TotalAmount: amount.MustParse("1.00"), Subject: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if strings.Contains(string(b), "ACQ.SYSTEM_ERROR") {
		t.Errorf("page pay whose open the store failed, under a forced answer with execute: HTTP %d shows the forced answer ACQ.SYSTEM_ERROR, want the store failure (as POST /_mock/app-pay: 503)", resp.StatusCode)
	}
}

// The same at the gateway: a method run under a forced answer with
// execute whose change the store failed answers the forced code, not
// 20000.
func TestRv2buyGatewayStoreFailureUnderAForcedAnswerIs20000(t *testing.T) {
	s, base := resetMock(t, t.TempDir())
	postScenario(t, base, `name: forced
rules:
  - when: {method: alipay.trade.create}
    then: {respond: {code: "40004", sub_code: ACQ.SYSTEM_ERROR, execute: true}}
`)
	cfg := s.DevCertClientConfig()
	cfg.GatewayURL = base + GatewayPath
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := c.Create(context.Background(), client.CreateRequest{Order: client.Order{OutTradeNo: "RV2-GW-1",
		TotalAmount: amount.MustParse("1.00"), Subject: "s"}, BuyerID: "2088000000000111"})
	if r == nil || r.Code != "20000" {
		t.Errorf("create whose trade the store failed to keep, under a forced answer with execute: %+v %v, want 20000", r, err)
	}
}
