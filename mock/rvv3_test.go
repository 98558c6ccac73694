package mock_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
)

// javaV3Readable is the official Java SDK v3's test of an answer's
// Content-Type before it decrypts and parses it (ApiClient.deserialize,
// alipay/alipay-sdk-java-all v3/src/main/java/com/alipay/v3/ApiClient.java):
// isJsonMime(contentType) || "text/plain".equals(contentType); anything
// else throws ApiException "Content type ... is not supported".
func javaV3Readable(ct string) bool {
	return regexp.MustCompile(`(?i)^(application/json|[^;/ \t]+/[^;/ \t]+[+]json)[ \t]*(;.*)?$`).MatchString(ct) ||
		ct == "*/*" || ct == "text/plain"
}

// An encrypted v3 answer must carry a Content-Type the official Java SDK
// reads: the mock's "text/plain;charset=UTF-8" is neither JSON nor exactly
// "text/plain", so every AES call through com.alipay.v3.ApiClient fails
// after the signature verified, the POST and the GET alike.
func TestRvv3EncryptedAnswerContentTypeJavaSDKReads(t *testing.T) {
	e := newV3Env(t)
	cipher, err := sign.EncryptContent(v3AESKey, []byte(`{"out_trade_no":"RVAES1","total_amount":"1.00","subject":"s"}`))
	if err != nil {
		t.Fatal(err)
	}
	// What AlipayConfigUtil.encrypt sends: alipay-encrypt-type AES and
	// Content-Type text/plain.
	h := map[string]string{"Content-Type": "text/plain", sign.HeaderEncryptType: "AES"}
	r := e.do(v3Req{uri: "/v3/alipay/trade/precreate", body: cipher, appID: v3AESApp, header: h})
	if r.status != http.StatusOK {
		t.Fatalf("HTTP %d: %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !javaV3Readable(ct) {
		t.Errorf("encrypted POST answer: Content-Type %q; the Java v3 SDK throws \"Content type %s is not supported\"", ct, ct)
	}
	r = e.do(v3Req{method: http.MethodGet, uri: v3BillQuery, appID: v3AESApp, header: h})
	if r.status != http.StatusOK {
		t.Fatalf("HTTP %d: %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !javaV3Readable(ct) {
		t.Errorf("encrypted GET answer: Content-Type %q; the Java v3 SDK throws \"Content type %s is not supported\"", ct, ct)
	}
}

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
