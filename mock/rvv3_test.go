package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
)

// The v3 nonce is "自己生成唯一性字符串，每次请求要保证唯一" (Alipay's v3 signing
// guide, as quoted in https://cnblogs.com/yjdmx/p/17918400.html; the SDKs
// send a random UUID each time): production's check that a nonce is not
// reused is what stops a captured request being replayed. The mock takes
// the same signed request again, nonce and all, and acts on it twice, and
// neither docs/v3.md nor docs/differences.md says so: an app with a fixed
// nonce (the guide's own example is a constant) passes here.
func TestRvv3ReplayedNonceIsRefused(t *testing.T) {
	e := newV3Env(t)
	const uri = "/v3/alipay/trade/query"
	e.precreate("v3", "RVNONCE1")
	authz, err := sign.SignV3Request(keys.DevAppPrivateKey(), sign.NewV3Auth(keys.DevAppID, "", e.srv.Clock.Now()), http.MethodPost, uri, `{"out_trade_no":"RVNONCE1"}`, "")
	if err != nil {
		t.Fatal(err)
	}
	send := func() int {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL()+uri, strings.NewReader(`{"out_trade_no":"RVNONCE1"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(sign.HeaderAuthorization, authz)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := send(); s != http.StatusOK {
		t.Fatalf("first request: HTTP %d", s)
	}
	if s := send(); s == http.StatusOK {
		t.Errorf("the same Authorization (same nonce) sent again: HTTP %d, accepted as new", s)
	}
}
