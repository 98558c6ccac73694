package sign_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
)

// FuzzParseV3Authorization: parsing never panics; a header it accepts
// holds authString and signature verbatim, with the fields it needs; the
// error is always one of the sentinels.
//
//	go test ./alipay/sign -run '^$' -fuzz '^FuzzParseV3Authorization$' -fuzztime 10s
func FuzzParseV3Authorization(f *testing.F) {
	f.Add("ALIPAY-SHA256withRSA app_id=1,nonce=n,timestamp=1,sign=c2ln")
	f.Add("ALIPAY-SHA256withRSA app_id=1,app_cert_sn=x,nonce=n,timestamp=1,expired_seconds=120,k=v=w,sign=c2ln")
	f.Add("alipay-sha256withrsa  app_id = 1 ,,nonce=n,timestamp=1,sign=,sign= c2ln ")
	f.Add("Bearer x")
	f.Add("")
	f.Add("ALIPAY-SHA256withRSA ,sign=")
	sentinels := []error{sign.ErrV3NoAuthorization, sign.ErrV3Scheme, sign.ErrV3MissingSignature, sign.ErrV3SignatureEncoding,
		sign.ErrV3MissingAppID, sign.ErrV3MissingTimestamp, sign.ErrV3MissingNonce}
	f.Fuzz(func(t *testing.T, header string) {
		auth, as, sig, err := sign.ParseV3Authorization(header)
		if err != nil {
			for _, s := range sentinels {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("error %v is not a sentinel", err)
		}
		if auth.AppID == "" || auth.Nonce == "" || auth.Timestamp == "" || sig == "" {
			t.Fatalf("accepted %q with %+v, sign %q", header, auth, sig)
		}
		if !strings.Contains(header, as+",sign=") || !strings.Contains(header, sig) {
			t.Fatalf("authString %q / sign %q not verbatim in %q", as, sig, header)
		}
		if _, err := base64.StdEncoding.DecodeString(sig); err != nil {
			t.Fatalf("accepted sign %q that is not base64", sig)
		}
		_, _ = auth.Time()
	})
}

// FuzzDecryptContent: decryption never panics, fails only with a sentinel,
// and whatever it accepts re-encrypts to the same ciphertext bytes.
//
//	go test ./alipay/sign -run '^$' -fuzz '^FuzzDecryptContent$' -fuzztime 10s
func FuzzDecryptContent(f *testing.F) {
	for _, v := range aesVectors {
		f.Add(v.key, v.cipher)
	}
	f.Add(javaKey, "")
	f.Add("", "x")
	f.Add(key256, "ILpoMowjIQjfYMR847rnFQ==")
	f.Fuzz(func(t *testing.T, key, c string) {
		plain, err := sign.DecryptContent(key, c)
		if err != nil {
			for _, s := range []error{sign.ErrAESKey, sign.ErrAESBase64, sign.ErrAESLength, sign.ErrAESPadding} {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("error %v is not a sentinel", err)
		}
		again, err := sign.EncryptContent(key, plain)
		if err != nil {
			t.Fatalf("EncryptContent refused a key DecryptContent took: %v", err)
		}
		a, _ := base64.StdEncoding.DecodeString(again)
		b, _ := base64.StdEncoding.DecodeString(c)
		if !bytes.Equal(a, b) {
			t.Fatalf("re-encryption differs: %q vs %q", again, c)
		}
	})
}
