package mock

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
)

// POST /_mock/app-pay under a forced answer that runs the method first (a
// scenario's respond with execute) whose open the store failed: 503, as
// any store failure of the control API, not the forced answer's 400, which
// says the trade or red packet opened. The data file fails once the
// scenario is in force.
func TestAppPayStoreFailureUnderAForcedAnswerIs503(t *testing.T) {
	s, base := resetMock(t, t.TempDir())
	postScenario(t, base, `name: forced
rules:
  - when: {method: alipay.trade.app.pay}
    then: {respond: {code: "40004", sub_code: ACQ.SYSTEM_ERROR, execute: true}}
  - when: {method: alipay.fund.coupon.order.app.pay}
    then: {respond: {code: "40004", sub_code: SYSTEM_ERROR, execute: true}}
`)
	cfg := s.DevCertClientConfig() // red packets need certificate mode
	cfg.GatewayURL = base + GatewayPath
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tradeOrder, err := c.AppPayOrderString(client.AppPayRequest{Order: client.Order{OutTradeNo: "APF-1",
		TotalAmount: amount.MustParse("1.00"), Subject: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	couponOrder, err := c.CouponAppPayOrderString(client.CouponAppPayRequest{CouponOrder: client.CouponOrder{OutOrderNo: "APF-RP",
		OutRequestNo: "APF-RP-pay", OrderTitle: "红包", Amount: amount.MustParse("1.00")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
	for what, order := range map[string]string{"trade": tradeOrder, "red packet": couponOrder} {
		in, _ := json.Marshal(map[string]string{"order_string": order})
		if st, out := postControl(t, base+"/_mock/app-pay", string(in)); st != http.StatusServiceUnavailable {
			t.Errorf("POST /_mock/app-pay opening a %s the store failed to keep, under a forced answer: HTTP %d %.300s, want 503", what, st, out)
		}
	}
}
