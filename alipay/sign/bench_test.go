package sign_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
)

// BenchmarkSign: RSA-2048 SHA256withRSA with the mock's key, by this
// build's signer (sign.Backend: crypto/rsa, BoringCrypto under
// GOEXPERIMENT=boringcrypto, OpenSSL under -tags openssl), on one core and
// on every core; and verification by this build's verifier (OpenSSL under
// -tags openssl) beside crypto/rsa's. scripts/signbench.sh runs it in each
// build side by side.
func BenchmarkSign(b *testing.B) {
	k := keys.DevAlipayPrivateKey()
	node := []byte(`{"code":"10000","msg":"Success","out_trade_no":"B0000000001","qr_code":"http:\/\/127.0.0.1:8080\/qr\/6Q2rJ8mWc4vT1yXz"}`)
	b.Logf("signer: %s", sign.Backend())
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if _, err := sign.Sign(k, sign.RSA2, node); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signs/s")
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := sign.Sign(k, sign.RSA2, node); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signs/s")
	})
	b.Run("verify", func(b *testing.B) {
		s, err := sign.Sign(k, sign.RSA2, node)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := sign.Verify(&k.PublicKey, sign.RSA2, node, s); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
	})
	// crypto/rsa's verification in any build, beside this build's above.
	b.Run("verify-crypto-rsa", func(b *testing.B) {
		s, err := sign.Sign(k, sign.RSA2, node)
		if err != nil {
			b.Fatal(err)
		}
		sig, _ := base64.StdEncoding.DecodeString(s)
		d := sha256.Sum256(node)
		for b.Loop() {
			if err := rsa.VerifyPKCS1v15(&k.PublicKey, crypto.SHA256, d[:], sig); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
	})
}
