package mock_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// docs/configuration.md: an Alipay key under 2048 bits "only signs for RSA
// apps", and the mock takes one with RSA apps only, because Alipay requires
// 2048 bits for SHA256WithRSA (RSA2). But v3 signs SHA256withRSA whatever
// the app's sign_type (docs/v3.md): an RSA app's v3 call is answered with
// an SHA256withRSA signature made by the 1024-bit key, the signature the
// rule says the key cannot make.
func TestRvy1V3AnswerNeverSignedSHA256WithASmallAlipayKey(t *testing.T) {
	pair1024, err := keys.Generate(1024)
	if err != nil {
		t.Fatal(err)
	}
	rsaApp := apps.Spec{AppID: "2021000000000796", PublicKey: string(keys.DevFile("app_public_key.pem")), SignType: "RSA"}
	srv, err := mock.New(mock.Options{AlipayKey: pair1024.Private, NoDevApp: true, Apps: []apps.Spec{rsaApp},
		Clock: clock.NewManual(mocktest.Epoch), Seed: 1})
	if err != nil {
		t.Logf("start: %v", err)
		return // refused at start: fine
	}
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	const uri, body = "/v3/alipay/trade/precreate", `{"out_trade_no":"RVY1-V3","total_amount":"1.00","subject":"s"}`
	authz, err := sign.SignV3Request(keys.DevAppPrivateKey(), sign.NewV3Auth(rsaApp.AppID, "", srv.Clock.Now()), http.MethodPost, uri, body, "")
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, hs.URL+uri, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(sign.HeaderAuthorization, authz)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.Header.Get(sign.HeaderSignature) != "" {
		t.Errorf("v3 answer (HTTP %d %s) signed SHA256withRSA with the 1024-bit Alipay key the mock refuses for RSA2", resp.StatusCode, b)
	}
}
