package mock_test

import (
	"crypto/rsa"
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

// v3 signs SHA256withRSA, RSA2's algorithm, whatever the app's sign_type,
// so the RSA2 size rule holds there for every app: with a 1024-bit Alipay
// key (which the mock takes with RSA apps only), or an RSA app's 1024-bit
// key, a v3 call is refused 400 invalid-signature-type, unsigned, never
// answered with an SHA256withRSA signature by or for a 1024-bit key.
func TestV3RefusesKeysTooSmallForSHA256WithRSA(t *testing.T) {
	pair1024, err := keys.Generate(1024)
	if err != nil {
		t.Fatal(err)
	}
	devApp := apps.Spec{AppID: "2021000000000796", PublicKey: string(keys.DevFile("app_public_key.pem")), SignType: "RSA"}
	smallApp := apps.Spec{AppID: "2021000000000798", PublicKey: string(keys.PublicPEM(&pair1024.Private.PublicKey)), SignType: "RSA"}
	for _, c := range []struct {
		name   string
		alipay *rsa.PrivateKey
		app    apps.Spec
		key    *rsa.PrivateKey
	}{
		{"1024-bit Alipay key", pair1024.Private, devApp, keys.DevAppPrivateKey()},
		{"1024-bit app key", nil, smallApp, pair1024.Private},
	} {
		srv, err := mock.New(mock.Options{AlipayKey: c.alipay, NoDevApp: true, Apps: []apps.Spec{c.app},
			Clock: clock.NewManual(mocktest.Epoch), Seed: 1})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		hs := httptest.NewServer(srv)
		const uri, body = "/v3/alipay/trade/precreate", `{"out_trade_no":"V3-KEYSIZE","total_amount":"1.00","subject":"s"}`
		authz, err := sign.SignV3Request(c.key, sign.NewV3Auth(c.app.AppID, "", srv.Clock.Now()), http.MethodPost, uri, body, "")
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, hs.URL+uri, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(sign.HeaderAuthorization, authz)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), `"invalid-signature-type"`) || resp.Header.Get(sign.HeaderSignature) != "" {
			t.Errorf("%s: v3 answer HTTP %d %s (alipay-signature %q), want 400 invalid-signature-type, unsigned",
				c.name, resp.StatusCode, b, resp.Header.Get(sign.HeaderSignature))
		}
		hs.Close()
		srv.Close()
	}
}
