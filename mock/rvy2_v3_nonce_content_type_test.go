package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
)

// A v3 request refused for its Content-Type (400 invalid-content-type,
// docs/v3.md) was never served, but it uses its nonce: the check comes
// after the nonce is kept (mock/gateway/v3.go). The same request sent
// again with the Content-Type corrected (the header is not signed, so
// the Authorization is still good) is refused as a replay, "nonce已被使用过",
// naming a use that never happened. docs/v3.md says a request refused
// before it verified leaves its nonce free "for the corrected request";
// one refused for a header the signature does not cover should too.
func TestRvy2V3NonceOfARequestRefusedForItsContentTypeStaysFree(t *testing.T) {
	e := newV3Env(t)
	const uri, body = "/v3/alipay/trade/query", `{"out_trade_no":"NONCE-CT"}`
	e.precreate("v3", "NONCE-CT")
	nonce := sign.NewNonce()
	r := e.do(v3Req{uri: uri, body: body, nonce: nonce, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `"invalid-content-type"`) {
		t.Fatalf("a form Content-Type: HTTP %d %s; want 400 invalid-content-type", r.status, r.body)
	}
	if r = e.do(v3Req{uri: uri, body: body, nonce: nonce}); r.status != http.StatusOK {
		t.Errorf("the corrected request with the same nonce: HTTP %d %s; want 200 (the refused one was never served)", r.status, r.body)
	}
}
