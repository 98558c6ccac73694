package sdktest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"testing"
	"time"

	mockclient "github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/go-pay/gopay"
	alipayv3 "github.com/go-pay/gopay/alipay/v3"
	"github.com/go-pay/gopay/pkg/xhttp"
)

// TestGopayV3 runs precreate and query over the v3 REST API with gopay's
// ClientV3 (github.com/go-pay/gopay/alipay/v3), host rewritten by the
// bundled transport as for v1.
//
// ClientV3 verifies 200 answers only in certificate mode: SetCert is the
// one way to give it the Alipay public key. The certificates here are made
// on the spot around the real keys; the mock ignores the app_cert_sn they
// add to the authString.
func TestGopayV3(t *testing.T) {
	t.Parallel()
	env := startMock(t)
	ctx := context.Background()
	gp := newGopayV3(t, env, alipayPublicKey(t))
	out := newID("GPV3")

	pre, err := gp.TradePrecreate(ctx, gopay.BodyMap{"out_trade_no": out, "total_amount": "12.34", "subject": "gopay v3"})
	if err != nil {
		t.Fatalf("TradePrecreate: %v", err)
	}
	if pre.StatusCode != http.StatusOK || pre.OutTradeNo != out || pre.QrCode == "" {
		t.Fatalf("TradePrecreate: %+v", pre)
	}
	env.scan(t, out)
	q, err := gp.TradeQuery(ctx, gopay.BodyMap{"out_trade_no": out})
	if err != nil {
		t.Fatalf("TradeQuery: %v", err)
	}
	if q.StatusCode != http.StatusOK || q.TradeStatus != "WAIT_BUYER_PAY" || q.TotalAmount != "12.34" {
		t.Fatalf("TradeQuery: %+v", q)
	}
	env.pay(t, out) // the buyer, through the control API
	if q, err = gp.TradeQuery(ctx, gopay.BodyMap{"out_trade_no": out}); err != nil || q.TradeStatus != "TRADE_SUCCESS" {
		t.Fatalf("TradeQuery after paying: %+v %v", q, err)
	}

	// Errors: HTTP 400 with the v3 body, which gopay decodes unverified.
	q, err = gp.TradeQuery(ctx, gopay.BodyMap{"out_trade_no": newID("GPV3NONE")})
	if err != nil {
		t.Fatalf("TradeQuery of an unknown trade: %v", err)
	}
	if q.StatusCode != http.StatusBadRequest || q.ErrResponse.Code != "ACQ.TRADE_NOT_EXIST" || len(q.ErrResponse.Links) == 0 {
		t.Errorf("unknown trade: %d %+v", q.StatusCode, q.ErrResponse)
	}

	// Verification is really on: another Alipay key rejects every 200.
	wrong := newGopayV3(t, env, &strangerKey().Private.PublicKey)
	_, err = wrong.TradeQuery(ctx, gopay.BodyMap{"out_trade_no": out})
	if !errors.Is(err, gopay.VerifySignatureErr) {
		t.Errorf("answer verified with the wrong Alipay key: %v", err)
	}
}

func alipayPublicKey(t *testing.T) *rsa.PublicKey {
	t.Helper()
	k, err := keys.ParsePublicKey(keys.DevFile("alipay_public_key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newGopayV3(t *testing.T, env *mockEnv, alipayPub *rsa.PublicKey) *alipayv3.ClientV3 {
	t.Helper()
	c := devCredentials()
	gp, err := alipayv3.NewClientV3(c.AppID, c.AppPrivateKeyPKCS8Base64, false)
	if err != nil {
		t.Fatalf("NewClientV3: %v", err)
	}
	rt, err := mockclient.NewTransport(env.Base, nil)
	if err != nil {
		t.Fatal(err)
	}
	gp.SetHttpClient(xhttp.NewClient().SetTransport(rt))
	root, appCert, alipayCert := v3Certs(t, &keys.DevAppPrivateKey().PublicKey, alipayPub)
	if err := gp.SetCert(appCert, root, alipayCert); err != nil {
		t.Fatalf("SetCert: %v", err)
	}
	return gp
}

// v3Certs makes a root certificate and, issued by it, certificates for the
// app's and Alipay's public keys, as PEM.
func v3Certs(t *testing.T, appPub, alipayPub *rsa.PublicKey) (root, app, alipay []byte) {
	t.Helper()
	ca := strangerKey().Private
	now := time.Now()
	tmpl := func(serial int64, cn string) *x509.Certificate {
		return &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn, Organization: []string{"alipay-mock sdktest"}},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), SignatureAlgorithm: x509.SHA256WithRSA}
	}
	caTmpl := tmpl(1, "sdktest root")
	caTmpl.IsCA, caTmpl.BasicConstraintsValid, caTmpl.KeyUsage = true, true, x509.KeyUsageCertSign
	issue := func(c *x509.Certificate, pub *rsa.PublicKey) []byte {
		der, err := x509.CreateCertificate(rand.Reader, c, caTmpl, pub, ca)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	return issue(caTmpl, &ca.PublicKey), issue(tmpl(2, "app"), appPub), issue(tmpl(3, "alipay"), alipayPub)
}
