//go:build openssl

package sign_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
)

// The openssl build must load libcrypto, for signing and verifying, where it
// is built and tested (.ci/run builds the tag only when libcrypto is
// installed).
func TestOpenSSLBackendLoaded(t *testing.T) {
	if b := sign.Backend(); !strings.HasPrefix(b, "openssl (") || strings.Contains(b, "crypto/rsa") {
		t.Fatalf("Backend() = %q, want OpenSSL signing and verifying", b)
	}
}

// TestOpenSSLSignerAgreesWithCryptoRSA: sign.Sign (OpenSSL in this build)
// and crypto/rsa give the same bytes for both sign types, for the shipped
// keys and fresh ones, on many inputs; the result verifies and tampered
// ones do not.
func TestOpenSSLSignerAgreesWithCryptoRSA(t *testing.T) {
	ks := []*rsa.PrivateKey{keys.DevAlipayPrivateKey(), keys.DevAppPrivateKey()}
	for _, bits := range []int{1024, 2048, 3072} {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		ks = append(ks, k)
	}
	r := mrand.New(mrand.NewPCG(1, 2))
	for ki, k := range ks {
		for i := 0; i < 200; i++ {
			data := make([]byte, r.IntN(2000))
			for j := range data {
				data[j] = byte(r.Uint32())
			}
			if i%3 == 0 { // and text like an answer node
				data = fmt.Appendf(nil, `{"code":"10000","msg":"Success","out_trade_no":"T%d-%d","total_amount":"%d.%02d"}`, ki, i, r.IntN(100000), r.IntN(100))
			}
			for _, c := range []struct {
				t sign.Type
				h crypto.Hash
				d []byte
			}{
				{sign.RSA2, crypto.SHA256, sum256(data)},
				{sign.RSA, crypto.SHA1, sum1(data)},
			} {
				got, err := sign.Sign(k, c.t, data)
				if err != nil {
					t.Fatal(err)
				}
				want, err := rsa.SignPKCS1v15(nil, k, c.h, c.d)
				if err != nil {
					t.Fatal(err)
				}
				if got != base64.StdEncoding.EncodeToString(want) {
					t.Fatalf("key %d (%d bits), input %d, %s: OpenSSL and crypto/rsa differ", ki, k.N.BitLen(), i, c.t)
				}
				if err := sign.Verify(&k.PublicKey, c.t, data, got); err != nil {
					t.Fatal(err)
				}
				// A changed byte in the signature or the data, or a
				// signature of the wrong length, fails as crypto/rsa fails.
				bad := append([]byte(nil), want...)
				bad[r.IntN(len(bad))] ^= 1 << r.IntN(8)
				for _, v := range []struct {
					data []byte
					sig  []byte
				}{{data, bad}, {append([]byte("x"), data...), want}, {data, want[1:]}, {data, append(want, 0)}} {
					if err := sign.Verify(&k.PublicKey, c.t, v.data, base64.StdEncoding.EncodeToString(v.sig)); !errors.Is(err, sign.ErrBadSignature) {
						t.Fatalf("key %d, input %d: tampered signature: %v, want ErrBadSignature", ki, i, err)
					}
				}
			}
		}
	}
}

func sum256(b []byte) []byte { s := sha256.Sum256(b); return s[:] }
func sum1(b []byte) []byte   { s := sha1.Sum(b); return s[:] }
