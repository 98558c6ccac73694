package sdktest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/go-pay/gopay"
	"github.com/go-pay/gopay/alipay"
)

// TestGopayVerifiesAppPayResult: an order string signed by gopay's
// TradeAppPay, paid through the mock's stand-in for the Alipay app; the
// result the app hands back verifies with gopay's VerifySyncSign over the
// exact bytes of alipay_trade_app_pay_response, as a merchant's server
// verifies what its app forwards.
func TestGopayVerifiesAppPayResult(t *testing.T) {
	t.Parallel()
	m := startMock(t)
	c := devCredentials()
	g := newGopay(t, m.Gateway, c).(gopaySDK)
	out := newID("GPAPP")
	bm := make(gopay.BodyMap)
	bm.Set("out_trade_no", out).Set("total_amount", "3.30").Set("subject", "app")
	order, err := g.c.TradeAppPay(context.Background(), bm)
	if err != nil {
		t.Fatalf("TradeAppPay: %v", err)
	}
	code, body := m.control(t, http.MethodPost, "/_mock/app-pay", map[string]string{"order_string": order, "action": "pay"})
	if code != http.StatusOK {
		t.Fatalf("app-pay: HTTP %d %s", code, body)
	}
	var paid struct {
		AppPayResult struct {
			Result       string `json:"result"`
			ResultStatus string `json:"resultStatus"`
		} `json:"app_pay_result"`
	}
	if err := json.Unmarshal(body, &paid); err != nil || paid.AppPayResult.ResultStatus != "9000" {
		t.Fatalf("app-pay answered %s (%v)", body, err)
	}
	var result map[string]json.RawMessage
	if err := json.Unmarshal([]byte(paid.AppPayResult.Result), &result); err != nil {
		t.Fatal(err)
	}
	var sig string
	_ = json.Unmarshal(result["sign"], &sig)
	node := string(result["alipay_trade_app_pay_response"])
	if ok, err := alipay.VerifySyncSign(g.alipayPublicKey, node, sig); !ok || err != nil {
		t.Fatalf("VerifySyncSign: %v, %v\nresult %s", ok, err, paid.AppPayResult.Result)
	}
	if !strings.Contains(node, `"out_trade_no":"`+out+`"`) || !strings.Contains(node, `"total_amount":"3.30"`) {
		t.Errorf("node %s", node)
	}
	if ok, _ := alipay.VerifySyncSign(g.alipayPublicKey, strings.Replace(node, "3.30", "0.01", 1), sig); ok {
		t.Error("a changed node verified")
	}
}
