package sign_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
)

// fuzzParams turns bytes into a parameter map: "k=v" pairs split on '&'.
func fuzzParams(data []byte) map[string]string {
	p := map[string]string{}
	for _, kv := range bytes.Split(data, []byte("&")) {
		k, v, _ := bytes.Cut(kv, []byte("="))
		p[string(k)] = string(v)
	}
	return p
}

// FuzzVerify: building the string to sign never panics; Verify never
// panics and accepts only the one signature Sign makes (PKCS#1 v1.5 is
// deterministic); GBK encoding and decoding never panic and round-trip.
//
//	go test ./alipay/sign -run '^$' -fuzz '^FuzzVerify$' -fuzztime 10s
func FuzzVerify(f *testing.F) {
	key := keys.DevAppPrivateKey()
	good := "app_id=" + keys.DevAppID + "&biz_content={\"out_trade_no\":\"1\"}&charset=utf-8&method=alipay.trade.query&sign_type=RSA2&timestamp=2026-11-23 10:00:00&version=1.0"
	sig, err := sign.SignString(key, sign.RSA2, sign.UTF8, sign.RequestContent(fuzzParams([]byte(good))))
	if err != nil {
		f.Fatal(err)
	}
	sig1, _ := sign.SignString(key, sign.RSA, sign.UTF8, sign.RequestContent(fuzzParams([]byte(good))))
	f.Add([]byte(good), sig, "RSA2")
	f.Add([]byte(good), sig1, "RSA")
	f.Add([]byte(good), " "+sig+"\n", "rsa2")
	f.Add([]byte(good), strings.TrimRight(sig, "="), "RSA2")
	f.Add([]byte(good), sig, "RSA")
	f.Add([]byte("subject=\xc4\xe3\xba\xc3&sign=x&=&&a"), "", "RSA2")
	f.Add([]byte("a=€\x80\xff"), "!!!", "SHA256")
	f.Fuzz(func(t *testing.T, data []byte, signature, typ string) {
		p := fuzzParams(data)
		content := sign.RequestContent(p)
		_ = sign.NotifyContent(p)
		if _, ok := p["sign"]; ok && p["sign"] != "" && strings.HasPrefix(content, "sign=") {
			t.Fatalf("RequestContent kept sign: %q", content)
		}
		st, err := sign.ParseType(typ)
		if err != nil {
			st = sign.Type(typ) // an unknown type must be an error, not a panic
		}
		if err := sign.Verify(&key.PublicKey, st, []byte(content), signature); err == nil {
			want, err := sign.Sign(key, st, []byte(content))
			if err != nil {
				t.Fatalf("Verify accepted type %q that Sign refuses: %v", st, err)
			}
			w, _ := base64.StdEncoding.DecodeString(want)
			g, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(signature))
			if !bytes.Equal(w, g) {
				t.Fatalf("Verify accepted %q for %q; Sign gives %q", signature, content, want)
			}
		}
		_ = sign.VerifyString(&key.PublicKey, sign.Type("GBK"), sign.GBK, content, signature)
		_ = sign.VerifyString(&key.PublicKey, sign.RSA2, sign.GBK, content, signature)
		s, derr := sign.GBK.Decode(data)
		if derr == nil {
			_, _ = sign.GBK.Encode(s)
		}
		if utf8.Valid(data) {
			if b, err := sign.GBK.Encode(string(data)); err == nil {
				back, err := sign.GBK.Decode(b)
				if err != nil || back != string(data) {
					t.Fatalf("GBK round trip of %q: %q, %v", data, back, err)
				}
			}
		}
		_, _ = sign.ParseCharset(typ)
	})
}

// FuzzParseResponse: arbitrary bodies never panic; what parses names the
// method's node or error_response.
//
//	go test ./alipay/sign -run '^$' -fuzz '^FuzzParseResponse$' -fuzztime 10s
func FuzzParseResponse(f *testing.F) {
	f.Add([]byte(`{"alipay_trade_query_response":{"code":"10000","msg":"Success"},"sign":"abc"}`), "alipay.trade.query")
	f.Add([]byte(`{"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.missing-method"}}`), "")
	f.Add([]byte(`{"alipay_trade_query_response":{},"sign":1,"alipay_cert_sn":[]}`), "alipay.trade.query")
	f.Add([]byte(`{"a_response":null}`), "a")
	f.Add([]byte(`[]`), "x")
	f.Add([]byte("\xff{"), "x")
	f.Fuzz(func(t *testing.T, body []byte, method string) {
		r, err := sign.ParseResponse(body, method)
		if err != nil {
			return
		}
		if r.Node != sign.NodeName(method) && r.Node != sign.ErrorNode {
			t.Fatalf("node %q for method %q", r.Node, method)
		}
		if r.Raw == nil {
			t.Fatalf("nil node bytes for %q", body)
		}
	})
}
