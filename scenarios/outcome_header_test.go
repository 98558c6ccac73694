package scenarios_test

import (
	"net/http"
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
