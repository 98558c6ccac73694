package scenarios_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// A failed alipay.trade.cancel carries retry_flag ("Y": call again), the
// one field Alipay's face-to-face guide has the merchant read when a
// cancel fails: client.Cancel returns the answer with its *Error, so
// RetryFlag is there to read.
func TestClientCancelReturnsRetryFlagOnFailure(t *testing.T) {
	e := newEnv(t, mock.Options{})
	c, err := client.New(client.Config{GatewayURL: e.http.URL + "/gateway.do", AppID: keys.DevAppID,
		PrivateKeyRSA: keys.DevAppPrivateKey(), AlipayPublicKeyRSA: e.srv.AlipayPublicKey(), Now: e.clock.Now,
		HTTPClient: &http.Client{Transport: headerTransport("code=20000")}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Cancel(e.ctx, client.CancelRequest{OutTradeNo: "CXL-1"})
	if code(err) != "20000 isp.unknow-error" {
		t.Fatalf("cancel: %v", code(err))
	}
	if res == nil || res.RetryFlag != "Y" {
		t.Errorf("client.Cancel on a 20000: response %+v, want one with RetryFlag Y (the mock sent retry_flag)", res)
	}
}
