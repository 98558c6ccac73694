package sign_test

import (
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
)

func appKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	return keys.DevAppPrivateKey()
}

func TestParseType(t *testing.T) {
	tests := []struct {
		in      string
		want    sign.Type
		wantErr bool
	}{
		{"RSA2", sign.RSA2, false},
		{"rsa2", sign.RSA2, false},
		{"Rsa2", sign.RSA2, false},
		{"RSA", sign.RSA, false},
		{"rsa", sign.RSA, false},
		{"rSa", sign.RSA, false},
		{"", "", true},
		{"RSA1", "", true},
		{"RSA256", "", true},
		{"SHA256", "", true},
		{"SHA256withRSA", "", true},
		{"SM2", "", true},
		{"HMAC", "", true},
		{" RSA2", "", true},
		{"RSA2 ", "", true},
	}
	for _, tt := range tests {
		got, err := sign.ParseType(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseType(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseType(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if tt.wantErr && !strings.Contains(err.Error(), tt.in) {
			t.Errorf("ParseType(%q) error %q does not name the input", tt.in, err)
		}
	}
	if sign.RSA2 != "RSA2" || sign.RSA != "RSA" {
		t.Errorf("RSA2, RSA = %q, %q", sign.RSA2, sign.RSA)
	}
}

func TestContent(t *testing.T) {
	tests := []struct {
		name    string
		params  map[string]string
		exclude []string
		want    string
	}{
		{"nil", nil, nil, ""},
		{"empty", map[string]string{}, nil, ""},
		{"all empty values", map[string]string{"a": "", "b": ""}, nil, ""},
		{"single", map[string]string{"a": "1"}, nil, "a=1"},
		{"sorted", map[string]string{"c": "3", "a": "1", "b": "2"}, nil, "a=1&b=2&c=3"},
		{"empty value dropped", map[string]string{"b": "2", "a": "1", "c": ""}, nil, "a=1&b=2"},
		{"space value kept raw", map[string]string{"a": " ", "b": " x "}, nil, "a= &b= x "},
		{
			"byte order: upper before lower, prefix first, underscore before letters",
			map[string]string{"b": "1", "B": "2", "a": "3", "a_b": "4", "ab": "5", "a1": "6"},
			nil,
			"B=2&a=3&a1=6&a_b=4&ab=5&b=1",
		},
		{
			"gateway keys",
			map[string]string{"app_id": "9021000100000001", "app_cert_sn": "x", "alipay_root_cert_sn": "y", "method": "alipay.trade.query"},
			nil,
			"alipay_root_cert_sn=y&app_cert_sn=x&app_id=9021000100000001&method=alipay.trade.query",
		},
		{
			"raw values with & and =",
			map[string]string{
				"biz_content": `{"out_trade_no":"a&b=c","subject":"x=y"}`,
				"notify_url":  "https://example.com/n?a=1&b=2",
				"method":      "alipay.trade.precreate",
			},
			nil,
			`biz_content={"out_trade_no":"a&b=c","subject":"x=y"}&method=alipay.trade.precreate&notify_url=https://example.com/n?a=1&b=2`,
		},
		{"percent not decoded", map[string]string{"a": "%20+"}, nil, "a=%20+"},
		{"chinese raw", map[string]string{"subject": "乗车票"}, nil, "subject=乗车票"},
		{"exclude one", map[string]string{"a": "1", "sign": "S", "sign_type": "RSA2"}, []string{"sign"}, "a=1&sign_type=RSA2"},
		{"exclude two", map[string]string{"a": "1", "sign": "S", "sign_type": "RSA2"}, []string{"sign", "sign_type"}, "a=1"},
		{"exclude absent key", map[string]string{"a": "1"}, []string{"zzz"}, "a=1"},
		{"exclude is exact", map[string]string{"signature": "1", "sign": "2", "Sign": "3"}, []string{"sign"}, "Sign=3&signature=1"},
		{"more keys than a request's", manyKeys(40), nil, manyKeysContent(40)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sign.Content(tt.params, tt.exclude...); got != tt.want {
				t.Errorf("Content = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRequestAndNotifyContent(t *testing.T) {
	p := map[string]string{
		"app_id":      "9021000100000001",
		"method":      "alipay.trade.query",
		"charset":     "utf-8",
		"sign_type":   "RSA2",
		"sign":        "c2lnbg==",
		"timestamp":   "2024-04-01 00:30:15",
		"version":     "1.0",
		"biz_content": `{"out_trade_no":"T1"}`,
		"notify_url":  "",
	}
	wantReq := `app_id=9021000100000001&biz_content={"out_trade_no":"T1"}&charset=utf-8&method=alipay.trade.query&sign_type=RSA2&timestamp=2024-04-01 00:30:15&version=1.0`
	if got := sign.RequestContent(p); got != wantReq {
		t.Errorf("RequestContent =\n%q\nwant\n%q", got, wantReq)
	}
	wantNotify := `app_id=9021000100000001&biz_content={"out_trade_no":"T1"}&charset=utf-8&method=alipay.trade.query&timestamp=2024-04-01 00:30:15&version=1.0`
	if got := sign.NotifyContent(p); got != wantNotify {
		t.Errorf("NotifyContent =\n%q\nwant\n%q", got, wantNotify)
	}
	if _, ok := p["sign"]; !ok || len(p) != 9 {
		t.Errorf("Content modified its input: %v", p)
	}
}

// Signatures made with openssl over "a=1&b=2" with keys/dev/app_private_key.pem:
//
//	printf 'a=1&b=2' | openssl dgst -sha256 -sign app_private_key.pem | base64 -w0
//	printf 'a=1&b=2' | openssl dgst -sha1 -sign app_private_key.pem | base64 -w0
const (
	opensslRSA2 = "C2O4NGR11a8P9sAe1oaryEHON1vKkdum1kAFjfkz1wnVyFKyfzqgJf+IqNINpFTdA1VRDzXzxhB+jraJw3D03fV0gm/5f+nPn+sRPVTijV59q0HrrMIxKt2E0NEbJL54Cf3n5s2DAdtYGdHq0P8+GH+VXCqNmaTmlDvghIQmQtrPwTcjGfwS1Cd8lmRYkstS3p8HDyRbL4Hm7sQgi1whWPUshMb24qFTCArIu/OAnEp4PmKxMAF73HI6sa7VnJKl2Ul0Q0T7M4sj1rwgW0+/jc7RwrjMvXFyIFyMvHjVwj1UxrniaBzJWUMsgLoN6cGjKs+00W4BcNAG7BQCDyd56Q=="
	opensslRSA  = "f7eCWdC9AmYcla3QLxddGcY6anQN9k6qHKQcsCxLwKI3UEozSMcvq/+kTgUYg6uFGLy6Azb1Ld5/Gn3kS/gKDKiZv7ZhB3XraESYa5T/+efwtv+wEa2DdDJZC2c5+atVK4iDMC4f/ZpyUJTHNfmrhY1byQThzDV9/91l+CDSZD1vi1WxBwlzjSUQfRN7CX1/b9zvU9AP7YuSrdZfgq3nxNraudhRVAnIZHfrZcgJR0A4vVKVoSofkSj4T7J2lC7K2UDXGfMS/LlCvEUtu87rE5A0TeJT5nNBqcXo86CoixOgl3ovhYoyqqcnS46Sseqq2Efx4dIPjlzd/si6ITDhpQ=="
	// printf 'a=1&subject=乗车票' | iconv -f UTF-8 -t GBK | openssl dgst -sha256 -sign app_private_key.pem | base64 -w0
	opensslRSA2GBK = "bEASxFw//effUwursVtz8cyXbe1MgIcawVhXwuLM9W54g1ATWPG87YmkVzBfQuTTwQQl9tY3et55Fi73hDcwd0F0P+/JfSr7a39n9ahcp3HcTtoGt+cZxxRWPhCPcCv7qmWB7lnyv9EeGp3TLb9kJ8E5XC06Zy3kmUO2c2HEOttPmhVeX4NwiAnpHVBLEBVVAlm3btRggVvCX60o5qi0SsBziLvheJph9+rkB7M5/bxRNJsV97dCwBKIs0Xhab1SERSfB17ssYcMLE6gvhjy7j1d7Yi+sMaY8gewl6A4KLRXn6O/BcLhdScweZtPRiREi6ABQUk5QK+bVEf3GOkkTg=="
)

func TestSignMatchesOpenSSL(t *testing.T) {
	k := appKey(t)
	tests := []struct {
		typ  sign.Type
		want string
	}{
		{sign.RSA2, opensslRSA2},
		{sign.RSA, opensslRSA},
	}
	for _, tt := range tests {
		got, err := sign.Sign(k, tt.typ, []byte("a=1&b=2"))
		if err != nil {
			t.Fatalf("Sign(%s) error = %v", tt.typ, err)
		}
		if got != tt.want {
			t.Errorf("Sign(%s) = %s, want openssl's %s", tt.typ, got, tt.want)
		}
		if err := sign.Verify(&k.PublicKey, tt.typ, []byte("a=1&b=2"), tt.want); err != nil {
			t.Errorf("Verify(%s) of openssl's signature = %v", tt.typ, err)
		}
	}
	got, err := sign.SignString(k, sign.RSA2, sign.GBK, "a=1&subject=乗车票")
	if err != nil {
		t.Fatal(err)
	}
	if got != opensslRSA2GBK {
		t.Errorf("SignString(GBK) = %s, want openssl's %s", got, opensslRSA2GBK)
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	k := appKey(t)
	pub, err := keys.ParsePublicKey(keys.DevFile("app_public_key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := keys.ParsePublicKey(keys.DevFile("alipay_public_key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	data := []byte(`app_id=9021000100000001&biz_content={"out_trade_no":"T1","total_amount":"88.88"}&method=alipay.trade.precreate&sign_type=RSA2`)
	for _, typ := range []sign.Type{sign.RSA2, sign.RSA} {
		t.Run(string(typ), func(t *testing.T) {
			sig, err := sign.Sign(k, typ, data)
			if err != nil {
				t.Fatalf("Sign error = %v", err)
			}
			raw, err := base64.StdEncoding.DecodeString(sig)
			if err != nil {
				t.Fatalf("signature is not standard base64: %v", err)
			}
			if len(raw) != 256 || len(sig) != 344 || !strings.HasSuffix(sig, "=") {
				t.Errorf("signature is %d bytes / %d chars (%q), want 256 / 344 padded", len(raw), len(sig), sig)
			}
			again, _ := sign.Sign(k, typ, data)
			if again != sig {
				t.Errorf("PKCS#1 v1.5 signatures differ between calls")
			}
			if err := sign.Verify(pub, typ, data, sig); err != nil {
				t.Errorf("Verify = %v, want nil", err)
			}
			if err := sign.Verify(pub, typ, data, "  "+sig+"\n"); err != nil {
				t.Errorf("Verify with surrounding whitespace = %v, want nil", err)
			}

			tampered := append([]byte(nil), data...)
			tampered[len(tampered)-1] ^= 1
			flipped := []byte(sig)
			if flipped[10] == 'A' {
				flipped[10] = 'B'
			} else {
				flipped[10] = 'A'
			}
			otherType := sign.RSA
			if typ == sign.RSA {
				otherType = sign.RSA2
			}
			bad := []struct {
				name string
				pub  *rsa.PublicKey
				typ  sign.Type
				data []byte
				sig  string
			}{
				{"tampered data", pub, typ, tampered, sig},
				{"truncated data", pub, typ, data[:len(data)-1], sig},
				{"tampered signature", pub, typ, data, string(flipped)},
				{"wrong sign type", pub, otherType, data, sig},
				{"wrong key", other, typ, data, sig},
				{"empty signature", pub, typ, data, ""},
				{"not base64", pub, typ, data, "not base64!"},
				{"url-safe base64", pub, typ, data, strings.NewReplacer("+", "-", "/", "_").Replace(sig) + "-_"},
				{"unpadded base64", pub, typ, data, strings.TrimRight(sig, "=")},
			}
			for _, b := range bad {
				err := sign.Verify(b.pub, b.typ, b.data, b.sig)
				if !errors.Is(err, sign.ErrBadSignature) {
					t.Errorf("%s: Verify error = %v, want ErrBadSignature", b.name, err)
				}
			}
			err = sign.Verify(pub, typ, data, "%%%%")
			if err == nil || !strings.Contains(err.Error(), "not base64") {
				t.Errorf("Verify of non-base64 error = %v, want one saying not base64", err)
			}
		})
	}
	if sigA, _ := sign.Sign(k, sign.RSA2, data); sigA == func() string { s, _ := sign.Sign(k, sign.RSA, data); return s }() {
		t.Error("RSA and RSA2 signatures are equal")
	}
}

func TestUnknownType(t *testing.T) {
	k := appKey(t)
	if _, err := sign.Sign(k, "HMAC", []byte("x")); err == nil {
		t.Error("Sign with unknown type: want error")
	}
	sig, _ := sign.Sign(k, sign.RSA2, []byte("x"))
	err := sign.Verify(&k.PublicKey, "rsa2", []byte("x"), sig)
	if err == nil {
		t.Fatal("Verify with unparsed lower-case type: want error")
	}
	if errors.Is(err, sign.ErrBadSignature) {
		t.Errorf("Verify with unknown type error = %v, want a type error rather than ErrBadSignature", err)
	}
}

func TestSignVerifyString(t *testing.T) {
	k := appKey(t)
	for _, typ := range []sign.Type{sign.RSA2, sign.RSA} {
		content := "a=1&subject=乗车票"
		gbkSig, err := sign.SignString(k, typ, sign.GBK, content)
		if err != nil {
			t.Fatal(err)
		}
		utfSig, err := sign.SignString(k, typ, sign.UTF8, content)
		if err != nil {
			t.Fatal(err)
		}
		if gbkSig == utfSig {
			t.Errorf("%s: GBK and UTF-8 signatures of Chinese content are equal", typ)
		}
		if err := sign.VerifyString(&k.PublicKey, typ, sign.GBK, content, gbkSig); err != nil {
			t.Errorf("%s: VerifyString(GBK) = %v", typ, err)
		}
		if err := sign.VerifyString(&k.PublicKey, typ, sign.UTF8, content, utfSig); err != nil {
			t.Errorf("%s: VerifyString(UTF8) = %v", typ, err)
		}
		if err := sign.VerifyString(&k.PublicKey, typ, sign.UTF8, content, gbkSig); !errors.Is(err, sign.ErrBadSignature) {
			t.Errorf("%s: GBK signature verified as UTF-8: %v", typ, err)
		}
		// ASCII content is the same bytes in both charsets.
		a, _ := sign.SignString(k, typ, sign.GBK, "a=1&b=2")
		b, _ := sign.SignString(k, typ, sign.UTF8, "a=1&b=2")
		if a != b {
			t.Errorf("%s: ASCII content signed differently in GBK and UTF-8", typ)
		}
		// Text GBK cannot hold is an error, not a signature.
		if _, err := sign.SignString(k, typ, sign.GBK, "a=😀"); err == nil {
			t.Errorf("%s: SignString(GBK) of an emoji: want error", typ)
		}
		if err := sign.VerifyString(&k.PublicKey, typ, sign.GBK, "a=😀", gbkSig); err == nil {
			t.Errorf("%s: VerifyString(GBK) of an emoji: want error", typ)
		}
	}
}

// manyKeys are n parameters k00=v00 … (more than a request sends), and
// manyKeysContent their string to sign, sorted by key.
func manyKeys(n int) map[string]string {
	p := map[string]string{}
	for i := n - 1; i >= 0; i-- {
		p[fmt.Sprintf("k%02d", i)] = fmt.Sprintf("v%02d", i)
	}
	return p
}

func manyKeysContent(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("k%02d=v%02d", i, i)
	}
	return strings.Join(parts, "&")
}
