package sign_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
)

func ExampleEncryptContent() {
	key := "aa4BtZ4tspm2wnXLb1ThQA==" // the Java SDK's test key
	c, _ := sign.EncryptContent(key, []byte("test1234567"))
	fmt.Println(c)
	plain, _ := sign.DecryptContent(key, c)
	fmt.Println(string(plain))
	_, err := sign.DecryptContent("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", c)
	fmt.Println(errors.Is(err, sign.ErrAESPadding))
	// Output:
	// ILpoMowjIQjfYMR847rnFQ==
	// test1234567
	// true
}

// An encrypted v1 response: the node is the quoted ciphertext and the
// signature covers it, quotes included.
func ExampleEncryptedNode() {
	key := "aa4BtZ4tspm2wnXLb1ThQA=="
	c, _ := sign.EncryptContent(key, []byte(`{"code":"10000","msg":"Success"}`))
	node := sign.EncryptedNode(c)
	sig, _ := sign.Sign(keys.DevAlipayPrivateKey(), sign.RSA2, node)
	body := sign.Envelope(sign.NodeName("alipay.trade.query"), node, sig, "")

	r, _ := sign.ParseResponse(body, "alipay.trade.query")
	fmt.Println(sign.Verify(&keys.DevAlipayPrivateKey().PublicKey, sign.RSA2, r.Raw, r.Sign) == nil)
	cipher, ok := sign.NodeCipher(r.Raw)
	plain, _ := sign.DecryptContent(key, cipher)
	fmt.Println(ok, string(plain))
	// Output:
	// true
	// true {"code":"10000","msg":"Success"}
}

func ExampleV3Auth_String() {
	a := sign.V3Auth{AppID: "2014060600164699", AppCertSN: "c0ffee", Nonce: "5f9fba93-bbb2-40f0-b328-04d5ead3e131", Timestamp: "1667804301218"}
	fmt.Println(a)
	// Output: app_id=2014060600164699,app_cert_sn=c0ffee,nonce=5f9fba93-bbb2-40f0-b328-04d5ead3e131,timestamp=1667804301218
}

func ExampleV3RequestContent() {
	fmt.Printf("%q\n", sign.V3RequestContent("app_id=1,nonce=n,timestamp=1", "GET", "/v3/x?id=123", "", "token"))
	// Output: "app_id=1,nonce=n,timestamp=1\nGET\n/v3/x?id=123\n\ntoken\n"
}

// The client signs; the gateway parses, finds the app by app_id, verifies
// and checks the age against the request's TTL.
func ExampleSignV3Request() {
	app := keys.DevAppPrivateKey()
	now := time.UnixMilli(1700000000000)
	auth := sign.NewV3Auth(keys.DevAppID, "", now)
	body := `{"out_trade_no":"T1"}`
	header, _ := sign.SignV3Request(app, auth, "POST", "/v3/alipay/trade/query", body, "")

	got, authString, sig, err := sign.ParseV3Authorization(header)
	fmt.Println(err, got.AppID, got.Timestamp)
	fmt.Println(sign.VerifyV3Request(&app.PublicKey, authString, sig, "POST", "/v3/alipay/trade/query", body, ""))
	at, _ := got.Time()
	ttl, _ := got.TTL(5 * time.Minute)
	fmt.Println(now.Add(10*time.Minute).Sub(at) > ttl)
	// Output:
	// <nil> 9021000100000001 1700000000000
	// <nil>
	// true
}

func ExampleParseV3Authorization() {
	for _, h := range []string{
		"",
		"Bearer x",
		"ALIPAY-SHA256withRSA app_id=1,nonce=n,sign=c2ln",
		"ALIPAY-SHA256withRSA app_id=1,nonce=n,timestamp=1",
		"ALIPAY-SHA256withRSA app_id=1,nonce=n,timestamp=1,sign=%%%",
	} {
		_, _, _, err := sign.ParseV3Authorization(h)
		fmt.Println(err)
	}
	// Output:
	// sign: v3 request has no Authorization header
	// sign: v3 Authorization scheme is not ALIPAY-SHA256withRSA: "Bearer"
	// sign: v3 authString has no timestamp
	// sign: v3 Authorization has no sign
	// sign: v3 sign is not base64
}

func ExampleSignV3Response() {
	alipay := keys.DevAlipayPrivateKey()
	ts, nonce, body := "1700000000000", "5f9fba93-bbb2-40f0-b328-04d5ead3e131", `{"trade_no":"2024"}`
	sig, _ := sign.SignV3Response(alipay, ts, nonce, body)
	// Headers: alipay-timestamp: ts, alipay-nonce: nonce, alipay-signature: sig.
	fmt.Println(sign.VerifyV3Response(&alipay.PublicKey, ts, nonce, body, sig))
	// Output: <nil>
}

func ExampleV3Error_Bytes() {
	e := &sign.V3Error{Code: "invalid-app-id", Message: "无效的AppID参数",
		Links: []sign.V3Link{{Link: "https://open.alipay.com/api/errCheck?traceId=1&source=openapi", Desc: "解决方案"}}}
	fmt.Println(string(e.Bytes()))
	fmt.Println(string((&sign.V3Error{Code: "missing-timestamp", Message: "缺少时间戳参数"}).Bytes()))
	// Output:
	// {"code":"invalid-app-id","links":[{"link":"https://open.alipay.com/api/errCheck?traceId=1&source=openapi","desc":"解决方案"}],"message":"无效的AppID参数"}
	// {"code":"missing-timestamp","message":"缺少时间戳参数"}
}
