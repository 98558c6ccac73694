package mock_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// docs/v3.md's error table: "`Content-Type` not JSON | 400 |
// `invalid-content-type`", and a request refused for it leaves its nonce
// free. text/plain is the type of an encrypted body (the official Java v3
// SDK switches to it only when it encrypts: AlipayConfigUtil.encrypt,
// alipay/alipay-sdk-java-all v3/src/main/java/com/alipay/v3/util/
// AlipayConfigUtil.java, "除文件上传接口，加密后Content-Type均为text/plain";
// the Node SDK likewise with needEncrypt). A plain JSON body sent as
// text/plain without alipay-encrypt-type is neither JSON nor an encrypted
// body, yet the mock runs it: here it creates a trade.
func TestV3PlainJSONSentAsTextPlainIsRefused(t *testing.T) {
	e := newV3Env(t)
	r := e.do(v3Req{uri: "/v3/alipay/trade/precreate",
		body:   `{"out_trade_no":"RVCT1","total_amount":"1.00","subject":"s"}`,
		header: map[string]string{"Content-Type": "text/plain"}})
	var body struct{ Code string }
	_ = json.Unmarshal(r.body, &body)
	if r.status != http.StatusBadRequest || body.Code != "invalid-content-type" {
		t.Errorf("plain JSON sent as text/plain without alipay-encrypt-type: HTTP %d %s; docs/v3.md: 400 invalid-content-type", r.status, r.body)
	}
	// The refusal ran nothing: the trade does not exist.
	q := e.do(v3Req{uri: "/v3/alipay/trade/query", body: `{"out_trade_no":"RVCT1"}`})
	if q.status == http.StatusOK {
		t.Errorf("the refused request created trade RVCT1: %s", q.body)
	}
}
