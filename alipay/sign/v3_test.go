package sign_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
)

const (
	v3Auth  = "app_id=9021000100000001,nonce=eb4ade8f-8cfa-4ebf-a048-7eb52684ab32,timestamp=1655869956477"
	v3Token = "202212BB_D64b2be8afd4b6c8468cf585bd05E50" // the docs' example token
	billURI = "/v3/alipay/data/dataservice/bill/downloadurl/query?bill_type=trade&bill_date=2024-05-01"
)

// Known answers made with `openssl dgst -sha256 -sign keys/dev/<key>.pem`
// over the content strings below, written out with printf.
var v3Vectors = []struct {
	name                           string
	auth, method, uri, body, token string
	content, sig                   string
}{
	{
		"POST with a body", v3Auth, "POST", "/v3/alipay/trade/query", `{"out_trade_no":"T1"}`, "",
		v3Auth + "\nPOST\n/v3/alipay/trade/query\n{\"out_trade_no\":\"T1\"}\n",
		"UF3RkQCH+rh04rxcoPKvIvkyyIvee2bWj2Mw6LgxzXyOGuthvOUlhmVTeC72Hl5BTEm0SW51Y+lC86BBde9PugvN7xfaTzxnngG1wYjylYCyXW0d2kW6xQhXNMBMgQGn8JhZFfH+AlzhIkPGm/z+hoaoFuPHWmgKVliF5lAM0cSF1LEZjRxGFW/O0tnJAcVNJuxDC72OvCA3W01hfUI5Ng9CZa6RgKH68Xn5DeI0zabn/XWcnTRfB+kzowdRX3x6R4XnoP2paB3Rwftua64UarxzaOt4268RJH3kBYy/jmkwaERA4P8XFzN8OxWo5DsWy2j84a+iI4HUKBbFpquv5A==",
	},
	{
		"GET, query, no body, app_auth_token, expired_seconds", v3Auth + ",expired_seconds=120", "GET", billURI, "", v3Token,
		v3Auth + ",expired_seconds=120\nGET\n" + billURI + "\n\n" + v3Token + "\n",
		"sLFBHgFvACL7cyNh6MtobiY1vh8/x/VeOWXn/2Yc6w6mtC0uKEt5W+d7LNVB3ACwIWpdt05GI5L/JRAvs8cSH48Gksx/uCw823rJkei2zqKAyAc6kbhe4/ZOqX3Q16JgeuFnlb1sr+dOJW6+lCWs/oh7CKIqUuU4Kv9sEuHihtkQ1ftyAYV8hnhYclZ8k+sw25Kn9+VmcYRDVhcm3V6f6K/bnBEe2eAEFdJm7dBh88+vF6hqv1bvGCtUy8K0oy6Fvd/DL8lYqNVQ5SSZcra6g5W1bT2Ie3msduhtSVZl6/8YvG4cx6kp2hjDcEJIQo09ME5sAPXb1wrH41D6iKtIww==",
	},
}

const (
	v3RspTimestamp = "1655869956500"
	v3RspNonce     = "5f9fba93-bbb2-40f0-b328-04d5ead3e131"
	v3RspBody      = `{"out_trade_no":"T1","trade_status":"TRADE_SUCCESS"}`
	v3RspSig       = "B1a0A3XE2MwHtOaOPDMhlPSjvWfcAHkhdTCMSycKX/KKhttjf+nsG+TzJxkY4g3Uk3wyi59HzI9OWZUu3m1e95aeLc5/YekzqEj77yszHcdEVinp1F/oPIU5ZQol4oarl+Eo2V62juDBujIr3PALuTrEpiaT9GKat2gQ3IEsikeluwDJi9xjWtj3KlPbfC06H7tsgu7X6uHWw7VGPrIqsiBnNCR/TIADxRak8ccNAtu2JBst47wcJrMgHn11F9J0oToLocvKJt6P3d4aSqDXyf4CPL4IAFhh7/8sP9ymIMLrE96ye3tewS1dtogWtyuVRkWb+R8X5LU84fmY36eiTA=="
)

func TestV3KnownAnswers(t *testing.T) {
	app := keys.DevAppPrivateKey()
	for _, v := range v3Vectors {
		t.Run(v.name, func(t *testing.T) {
			if got := sign.V3RequestContent(v.auth, v.method, v.uri, v.body, v.token); got != v.content {
				t.Fatalf("V3RequestContent = %q, want %q", got, v.content)
			}
			auth, as, sig, err := sign.ParseV3Authorization(sign.V3Scheme + " " + v.auth + ",sign=" + v.sig)
			if err != nil || as != v.auth || sig != v.sig {
				t.Fatalf("ParseV3Authorization = %q, %q, %v", as, sig, err)
			}
			header, err := sign.SignV3Request(app, auth, v.method, v.uri, v.body, v.token)
			if err != nil {
				t.Fatal(err)
			}
			if want := sign.V3Scheme + " " + v.auth + ",sign=" + v.sig; header != want {
				t.Errorf("SignV3Request = %q\nwant %q", header, want)
			}
			if err := sign.VerifyV3Request(&app.PublicKey, v.auth, v.sig, v.method, v.uri, v.body, v.token); err != nil {
				t.Errorf("VerifyV3Request: %v", err)
			}
		})
	}
	alipay := keys.DevAlipayPrivateKey()
	if got, want := sign.V3ResponseContent(v3RspTimestamp, v3RspNonce, v3RspBody), v3RspTimestamp+"\n"+v3RspNonce+"\n"+v3RspBody+"\n"; got != want {
		t.Errorf("V3ResponseContent = %q, want %q", got, want)
	}
	sig, err := sign.SignV3Response(alipay, v3RspTimestamp, v3RspNonce, v3RspBody)
	if err != nil || sig != v3RspSig {
		t.Errorf("SignV3Response = %q, %v; want %q", sig, err, v3RspSig)
	}
	if err := sign.VerifyV3Response(&alipay.PublicKey, v3RspTimestamp, v3RspNonce, v3RspBody, v3RspSig); err != nil {
		t.Errorf("VerifyV3Response: %v", err)
	}
}

func TestV3AuthString(t *testing.T) {
	tests := []struct {
		name string
		auth sign.V3Auth
		want string
	}{
		{"public-key mode (Node, gopay, Java v3)",
			sign.V3Auth{AppID: "2014060600164699", Nonce: "n1", Timestamp: "1667804301218"},
			"app_id=2014060600164699,nonce=n1,timestamp=1667804301218"},
		{"cert mode: app_cert_sn after app_id",
			sign.V3Auth{AppID: "2014060600164699", AppCertSN: "c0ffee", Nonce: "n1", Timestamp: "1667804301218"},
			"app_id=2014060600164699,app_cert_sn=c0ffee,nonce=n1,timestamp=1667804301218"},
		{"expired_seconds last",
			sign.V3Auth{AppID: "a", Nonce: "n", Timestamp: "1", ExpiredSeconds: "120"},
			"app_id=a,nonce=n,timestamp=1,expired_seconds=120"},
		{"extra pairs appended in order (Node additionalAuthInfo)",
			sign.V3Auth{AppID: "a", Nonce: "n", Timestamp: "1", Extra: []sign.V3Pair{{"x", "1"}, {"y", ""}}},
			"app_id=a,nonce=n,timestamp=1,x=1,y="},
	}
	for _, tt := range tests {
		if got := tt.auth.String(); got != tt.want {
			t.Errorf("%s: String() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNewV3Auth(t *testing.T) {
	now := time.UnixMilli(1655869956477)
	a := sign.NewV3Auth("9021000100000001", "", now)
	if a.AppID != "9021000100000001" || a.AppCertSN != "" || a.ExpiredSeconds != "" || a.Extra != nil {
		t.Errorf("NewV3Auth = %+v", a)
	}
	if a.Timestamp != "1655869956477" {
		t.Errorf("Timestamp = %q, want epoch milliseconds", a.Timestamp)
	}
	if got, err := a.Time(); err != nil || !got.Equal(now) {
		t.Errorf("Time() = %v, %v", got, err)
	}
	if c := sign.NewV3Auth("a", "sn", now); c.AppCertSN != "sn" {
		t.Errorf("cert SN lost: %+v", c)
	}
	seen := map[string]bool{}
	for range 100 {
		n := sign.NewNonce()
		if !uuidV4.MatchString(n) {
			t.Fatalf("NewNonce() = %q, not a v4 UUID", n)
		}
		if seen[n] {
			t.Fatalf("NewNonce repeated %q", n)
		}
		seen[n] = true
	}
}

func TestV3RequestContent(t *testing.T) {
	tests := []struct {
		name, method, uri, body, token, want string
	}{
		{"POST JSON", "POST", "/v3/alipay/trade/pay", `{"a":1}`, "", "A\nPOST\n/v3/alipay/trade/pay\n{\"a\":1}\n"},
		{"GET: empty body line", "GET", "/v3/x?id=123", "", "", "A\nGET\n/v3/x?id=123\n\n"},
		{"gopay GET without params keeps the bare '?'", "GET", "/v3/x?", "", "", "A\nGET\n/v3/x?\n\n"},
		{"token line only with a token", "POST", "/v3/x", "{}", "tok", "A\nPOST\n/v3/x\n{}\ntok\n"},
		{"body kept byte for byte", "POST", "/v3/x", "{ \"a\" : \"\\/\"\n}", "", "A\nPOST\n/v3/x\n{ \"a\" : \"\\/\"\n}\n"},
		{"encrypted body is the ciphertext", "POST", "/v3/x", "ILpoMowjIQjfYMR847rnFQ==", "", "A\nPOST\n/v3/x\nILpoMowjIQjfYMR847rnFQ==\n"},
	}
	for _, tt := range tests {
		if got := sign.V3RequestContent("A", tt.method, tt.uri, tt.body, tt.token); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestParseV3Authorization(t *testing.T) {
	const sig = "c2ln" // base64 of "sig"
	base := "app_id=2021,nonce=n-1,timestamp=1655869956477"
	tests := []struct {
		name       string
		header     string
		want       sign.V3Auth
		wantAuth   string
		wantSig    string
		wantErr    error
		checkParts bool
	}{
		{name: "Node / gopay order", header: sign.V3Scheme + " " + base + ",sign=" + sig,
			want:     sign.V3Auth{AppID: "2021", Nonce: "n-1", Timestamp: "1655869956477"},
			wantAuth: base, wantSig: sig, checkParts: true},
		{name: "docs / Postman order with expired_seconds", header: sign.V3Scheme + " app_id=2021,timestamp=1655869956477,nonce=n-1,expired_seconds=120,sign=" + sig,
			want:     sign.V3Auth{AppID: "2021", Nonce: "n-1", Timestamp: "1655869956477", ExpiredSeconds: "120"},
			wantAuth: "app_id=2021,timestamp=1655869956477,nonce=n-1,expired_seconds=120", wantSig: sig, checkParts: true},
		{name: "cert mode", header: sign.V3Scheme + " app_id=2021,app_cert_sn=abc,nonce=n-1,timestamp=1,sign=" + sig,
			want:     sign.V3Auth{AppID: "2021", AppCertSN: "abc", Nonce: "n-1", Timestamp: "1"},
			wantAuth: "app_id=2021,app_cert_sn=abc,nonce=n-1,timestamp=1", wantSig: sig, checkParts: true},
		{name: "unknown pairs kept, value with '='", header: sign.V3Scheme + " " + base + ",alipay_root_cert_sn=r1_r2,x=a=b,sign=" + sig,
			want:     sign.V3Auth{AppID: "2021", Nonce: "n-1", Timestamp: "1655869956477", Extra: []sign.V3Pair{{"alipay_root_cert_sn", "r1_r2"}, {"x", "a=b"}}},
			wantAuth: base + ",alipay_root_cert_sn=r1_r2,x=a=b", wantSig: sig, checkParts: true},
		{name: "spaces around the scheme, items and sign", header: "  " + sign.V3Scheme + "   app_id = 2021 , nonce=n-1,timestamp=1655869956477,sign= " + sig + "  ",
			want:     sign.V3Auth{AppID: "2021", Nonce: "n-1", Timestamp: "1655869956477"},
			wantAuth: "app_id = 2021 , nonce=n-1,timestamp=1655869956477", wantSig: sig, checkParts: true},
		{name: "scheme case-insensitive", header: "alipay-sha256withrsa " + base + ",sign=" + sig,
			want: sign.V3Auth{AppID: "2021", Nonce: "n-1", Timestamp: "1655869956477"}, wantAuth: base, wantSig: sig, checkParts: true},
		{name: "first of a repeated key wins", header: sign.V3Scheme + " app_id=A,app_id=B,nonce=n,timestamp=1,sign=" + sig,
			want: sign.V3Auth{AppID: "A", Nonce: "n", Timestamp: "1"}, wantAuth: "app_id=A,app_id=B,nonce=n,timestamp=1", wantSig: sig, checkParts: true},
		{name: "split at the last ,sign=", header: sign.V3Scheme + " " + base + ",x=,sign=,sign=" + sig,
			want: sign.V3Auth{AppID: "2021", Nonce: "n-1", Timestamp: "1655869956477", Extra: []sign.V3Pair{{"x", ""}, {"sign", ""}}}, wantAuth: base + ",x=,sign=", wantSig: sig, checkParts: true},

		{name: "no header", header: "", wantErr: sign.ErrV3NoAuthorization},
		{name: "blank header", header: " \t ", wantErr: sign.ErrV3NoAuthorization},
		{name: "Bearer", header: "Bearer abc", wantErr: sign.ErrV3Scheme},
		{name: "SHA1 scheme", header: "ALIPAY-SHA1withRSA " + base + ",sign=" + sig, wantErr: sign.ErrV3Scheme},
		{name: "no scheme", header: base + ",sign=" + sig, wantErr: sign.ErrV3Scheme},
		{name: "scheme glued to authString", header: sign.V3Scheme + "app_id=1,nonce=n,timestamp=1,sign=" + sig, wantErr: sign.ErrV3Scheme},
		{name: "scheme only", header: sign.V3Scheme, wantErr: sign.ErrV3MissingTimestamp},
		{name: "missing timestamp", header: sign.V3Scheme + " app_id=1,nonce=n,sign=" + sig, wantErr: sign.ErrV3MissingTimestamp},
		{name: "empty timestamp", header: sign.V3Scheme + " app_id=1,nonce=n,timestamp=,sign=" + sig, wantErr: sign.ErrV3MissingTimestamp},
		{name: "missing app_id", header: sign.V3Scheme + " nonce=n,timestamp=1,sign=" + sig, wantErr: sign.ErrV3MissingAppID},
		{name: "missing nonce", header: sign.V3Scheme + " app_id=1,timestamp=1,sign=" + sig, wantErr: sign.ErrV3MissingNonce},
		{name: "gopay cert-mode bug nonce_str", header: sign.V3Scheme + " app_id=1,app_cert_sn=c,nonce_str=n,timestamp=1,sign=" + sig, wantErr: sign.ErrV3MissingNonce},
		{name: "missing sign (Java v3 without a private key)", header: sign.V3Scheme + " " + base, wantErr: sign.ErrV3MissingSignature},
		{name: "empty sign", header: sign.V3Scheme + " " + base + ",sign=", wantErr: sign.ErrV3MissingSignature},
		{name: "sign not base64", header: sign.V3Scheme + " " + base + ",sign=not*base64", wantErr: sign.ErrV3SignatureEncoding},
		{name: "items after sign are not read", header: sign.V3Scheme + " app_id=1,sign=" + sig + ",nonce=n,timestamp=1", wantErr: sign.ErrV3MissingTimestamp},
		{name: "sign URL-safe base64", header: sign.V3Scheme + " " + base + ",sign=a-_b", wantErr: sign.ErrV3SignatureEncoding},
	}
	all := []error{sign.ErrV3NoAuthorization, sign.ErrV3Scheme, sign.ErrV3MissingSignature, sign.ErrV3SignatureEncoding,
		sign.ErrV3MissingAppID, sign.ErrV3MissingTimestamp, sign.ErrV3MissingNonce}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth, as, s, err := sign.ParseV3Authorization(tt.header)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			for _, other := range all {
				if other != tt.wantErr && errors.Is(err, other) {
					t.Errorf("error %v also matches %v", err, other)
				}
			}
			if !tt.checkParts {
				return
			}
			if as != tt.wantAuth || s != tt.wantSig {
				t.Errorf("authString, sign = %q, %q; want %q, %q", as, s, tt.wantAuth, tt.wantSig)
			}
			if got, want := mustJSON(t, auth), mustJSON(t, tt.want); got != want {
				t.Errorf("auth = %s\nwant %s", got, want)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestVerifyV3Request(t *testing.T) {
	app := keys.DevAppPrivateKey()
	auth := sign.V3Auth{AppID: keys.DevAppID, Nonce: "n-1", Timestamp: "1655869956477"}
	const method, uri, body = "POST", "/v3/alipay/trade/refund?x=1", `{"refund_amount":"0.01"}`
	header, err := sign.SignV3Request(app, auth, method, uri, body, v3Token)
	if err != nil {
		t.Fatal(err)
	}
	_, as, sig, err := sign.ParseV3Authorization(header)
	if err != nil {
		t.Fatal(err)
	}
	pub := &app.PublicKey
	if err := sign.VerifyV3Request(pub, as, sig, method, uri, body, v3Token); err != nil {
		t.Fatalf("VerifyV3Request: %v", err)
	}
	tests := []struct {
		name                              string
		pub                               *rsa.PublicKey
		as, sig, method, uri, body, token string
		want                              error
	}{
		{"other key", &keys.DevAlipayPrivateKey().PublicKey, as, sig, method, uri, body, v3Token, sign.ErrBadSignature},
		{"authString changed", pub, strings.Replace(as, "n-1", "n-2", 1), sig, method, uri, body, v3Token, sign.ErrBadSignature},
		{"authString re-ordered", pub, "app_id=" + keys.DevAppID + ",timestamp=1655869956477,nonce=n-1", sig, method, uri, body, v3Token, sign.ErrBadSignature},
		{"method lower case", pub, as, sig, "post", uri, body, v3Token, sign.ErrBadSignature},
		{"query dropped", pub, as, sig, method, "/v3/alipay/trade/refund", body, v3Token, sign.ErrBadSignature},
		{"host added", pub, as, sig, method, "https://openapi.alipay.com" + uri, body, v3Token, sign.ErrBadSignature},
		{"body re-serialised", pub, as, sig, method, uri, `{"refund_amount": "0.01"}`, v3Token, sign.ErrBadSignature},
		{"token missing", pub, as, sig, method, uri, body, "", sign.ErrBadSignature},
		{"token added", pub, as, sig, method, uri, body, v3Token + "x", sign.ErrBadSignature},
		{"signature not base64", pub, as, "***", method, uri, body, v3Token, sign.ErrV3SignatureEncoding},
		{"signature truncated", pub, as, sig[:len(sig)-8] + "AAAAAAA=", method, uri, body, v3Token, sign.ErrBadSignature},
	}
	for _, tt := range tests {
		if err := sign.VerifyV3Request(tt.pub, tt.as, tt.sig, tt.method, tt.uri, tt.body, tt.token); !errors.Is(err, tt.want) {
			t.Errorf("%s: error = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestV3AuthTTL(t *testing.T) {
	tests := []struct {
		name    string
		auth    sign.V3Auth
		def     time.Duration
		want    time.Duration
		wantErr error
	}{
		{"default ttl", sign.V3Auth{Timestamp: "1655869956477"}, 5 * time.Minute, 5 * time.Minute, nil},
		{"expired_seconds overrides", sign.V3Auth{Timestamp: "1655869956477", ExpiredSeconds: "120"}, time.Hour, 120 * time.Second, nil},
		{"expired_seconds with spaces", sign.V3Auth{ExpiredSeconds: " 30 "}, time.Hour, 30 * time.Second, nil},
		{"expired_seconds zero", sign.V3Auth{ExpiredSeconds: "0"}, time.Hour, 0, nil},
		{"expired_seconds not a number", sign.V3Auth{ExpiredSeconds: "2m"}, time.Hour, 0, sign.ErrV3InvalidTimestamp},
		{"negative expired_seconds", sign.V3Auth{ExpiredSeconds: "-1"}, time.Hour, 0, sign.ErrV3InvalidTimestamp},
		{"expired_seconds past a Duration", sign.V3Auth{ExpiredSeconds: "9223372036854775807"}, time.Hour, 0, sign.ErrV3InvalidTimestamp},
	}
	for _, tt := range tests {
		got, err := tt.auth.TTL(tt.def)
		if got != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
			t.Errorf("%s: TTL = %v, %v; want %v, %v", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestV3AuthTime(t *testing.T) {
	for _, tt := range []struct {
		ts   string
		want time.Time
		err  error
	}{
		{"1655869956477", time.UnixMilli(1655869956477), nil},
		{"1655869956", time.UnixMilli(1655869956), nil}, // seconds read as milliseconds: 1970
		{"2024-05-01 10:00:00", time.Time{}, sign.ErrV3InvalidTimestamp},
		{"", time.Time{}, sign.ErrV3InvalidTimestamp},
	} {
		got, err := sign.V3Auth{Timestamp: tt.ts}.Time()
		if !got.Equal(tt.want) || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("Time(%q) = %v, %v; want %v, %v", tt.ts, got, err, tt.want, tt.err)
		}
	}
}

func TestV3Response(t *testing.T) {
	alipay := keys.DevAlipayPrivateKey()
	pub := &alipay.PublicKey
	ts, nonce := "1700000000000", sign.NewNonce()
	bodies := []string{"", `{}`, `{"subject":"测试","url":"https://x/y?a=1&b=2"}`, "ILpoMowjIQjfYMR847rnFQ=="}
	for _, body := range bodies {
		sig, err := sign.SignV3Response(alipay, ts, nonce, body)
		if err != nil {
			t.Fatal(err)
		}
		if err := sign.VerifyV3Response(pub, ts, nonce, body, sig); err != nil {
			t.Errorf("VerifyV3Response(%q): %v", body, err)
		}
		for name, f := range map[string]func() error{
			"timestamp": func() error { return sign.VerifyV3Response(pub, ts+"1", nonce, body, sig) },
			"nonce":     func() error { return sign.VerifyV3Response(pub, ts, nonce+"x", body, sig) },
			"body":      func() error { return sign.VerifyV3Response(pub, ts, nonce, body+" ", sig) },
			"key":       func() error { return sign.VerifyV3Response(&keys.DevAppPrivateKey().PublicKey, ts, nonce, body, sig) },
			"encoding":  func() error { return sign.VerifyV3Response(pub, ts, nonce, body, "%%") },
		} {
			if err := f(); !errors.Is(err, sign.ErrBadSignature) {
				t.Errorf("body %q, changed %s: error = %v, want ErrBadSignature", body, name, err)
			}
		}
	}
}

func TestV3HeaderNames(t *testing.T) {
	tests := map[string]string{
		sign.V3Scheme:             "ALIPAY-SHA256withRSA",
		sign.HeaderAuthorization:  "Authorization",
		sign.HeaderTimestamp:      "alipay-timestamp",
		sign.HeaderNonce:          "alipay-nonce",
		sign.HeaderSignature:      "alipay-signature",
		sign.HeaderSN:             "alipay-sn",
		sign.HeaderTraceID:        "alipay-trace-id",
		sign.HeaderRequestID:      "alipay-request-id",
		sign.HeaderAppAuthToken:   "alipay-app-auth-token",
		sign.HeaderRootCertSN:     "alipay-root-cert-sn",
		sign.HeaderEncryptType:    "alipay-encrypt-type",
		sign.HeaderEncryptionAlgm: "alipay-encryption-algm",
	}
	for got, want := range tests {
		if got != want {
			t.Errorf("constant = %q, want %q", got, want)
		}
	}
}

func TestV3Error(t *testing.T) {
	tests := []struct {
		name string
		e    sign.V3Error
		want string
	}{
		{"production invalid-app-id: links between code and message, & and Chinese raw",
			sign.V3Error{Code: "invalid-app-id", Message: "无效的AppID参数", Links: []sign.V3Link{{
				Link: "https://open.alipay.com/api/errCheck?traceId=0b43c935&source=openapi", Desc: "解决方案"}}},
			`{"code":"invalid-app-id","links":[{"link":"https://open.alipay.com/api/errCheck?traceId=0b43c935&source=openapi","desc":"解决方案"}],"message":"无效的AppID参数"}`},
		{"production missing Authorization: no links",
			sign.V3Error{Code: "missing-timestamp", Message: "缺少时间戳参数"},
			`{"code":"missing-timestamp","message":"缺少时间戳参数"}`},
		{"empty links slice omitted",
			sign.V3Error{Code: "ACQ.TRADE_NOT_EXIST", Message: "交易不存在", Links: []sign.V3Link{}},
			`{"code":"ACQ.TRADE_NOT_EXIST","message":"交易不存在"}`},
		{"<> not escaped", sign.V3Error{Code: "c", Message: "a<b>"}, `{"code":"c","message":"a<b>"}`},
	}
	for _, tt := range tests {
		got := string(tt.e.Bytes())
		if got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
		back, err := sign.ParseV3Error([]byte(got))
		if err != nil || back.Code != tt.e.Code || back.Message != tt.e.Message || len(back.Links) != len(tt.e.Links) {
			t.Errorf("%s: ParseV3Error = %+v, %v", tt.name, back, err)
		}
	}
	// Shapes the clients read: Node {code,message,links[{link,desc}]};
	// gopay ErrResponse {code,message,details,links[{link,desc,rel}]}.
	e, err := sign.ParseV3Error([]byte(`{"code":"ACQ.TRADE_NOT_EXIST","message":"交易不存在","details":[{"field":"out_trade_no"}],"links":[{"link":"https://h/x","desc":"解决方案","rel":"help"}]}`))
	if err != nil || e.Code != "ACQ.TRADE_NOT_EXIST" || len(e.Links) != 1 || e.Links[0].Desc != "解决方案" {
		t.Errorf("ParseV3Error = %+v, %v", e, err)
	}
	if _, err := sign.ParseV3Error([]byte(`<html>`)); err == nil {
		t.Error("ParseV3Error accepted HTML")
	}
	var target *sign.V3Error
	if err := error(e); !errors.As(err, &target) || err.Error() != "alipay v3: ACQ.TRADE_NOT_EXIST: 交易不存在" {
		t.Errorf("Error() = %q", err)
	}
}

// Cross-checks against re-implementations of the SDKs' own code, written
// here from their sources (the module does not import the SDKs).

// nodeCurlSign is alipay-sdk-nodejs-all src/alipay.ts #curl: authString
// `app_id=..[,app_cert_sn=..],nonce=${randomUUID()},timestamp=${Date.now()}`
// [+ `,${additionalAuthInfo}`], signString with the token line only when set.
func nodeCurlSign(t *testing.T, k *rsa.PrivateKey, appID, certSN, additional, method, path, body, token string) string {
	authString := "app_id=" + appID
	if certSN != "" {
		authString += ",app_cert_sn=" + certSN
	}
	authString += ",nonce=" + sign.NewNonce() + ",timestamp=" + strconv.FormatInt(time.Now().UnixMilli(), 10)
	if additional != "" {
		authString += "," + additional
	}
	signString := authString + "\n" + method + "\n" + path + "\n" + body + "\n"
	if token != "" {
		signString += token + "\n"
	}
	return "ALIPAY-SHA256withRSA " + authString + ",sign=" + rawSign(t, k, signString)
}

// gopayAuthorization is go-pay/gopay alipay/v3/sign.go authorization():
// nonce is a 32-character random string.
func gopayAuthorization(t *testing.T, k *rsa.PrivateKey, appID, method, uri, jb, token string) string {
	nonce := strings.ReplaceAll(sign.NewNonce(), "-", "")
	ts := strconv.FormatInt(time.Now().UnixNano()/int64(time.Millisecond), 10)
	authString := "app_id=" + appID + ",nonce=" + nonce + ",timestamp=" + ts
	signStr := authString + "\n" + method + "\n" + uri + "\n" + jb + "\n"
	if token != "" {
		signStr += token + "\n"
	}
	return "ALIPAY-SHA256withRSA" + " " + authString + ",sign=" + rawSign(t, k, signStr)
}

func rawSign(t *testing.T, k *rsa.PrivateKey, s string) string {
	t.Helper()
	d := sha256.Sum256([]byte(s))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// gatewayAccepts is what the mock gateway does with a request.
func gatewayAccepts(pub *rsa.PublicKey, header, method, uri, body, token string) (sign.V3Auth, error) {
	auth, as, sig, err := sign.ParseV3Authorization(header)
	if err != nil {
		return auth, err
	}
	return auth, sign.VerifyV3Request(pub, as, sig, method, uri, body, token)
}

func TestV3CrossCheckSDKRequests(t *testing.T) {
	app := keys.DevAppPrivateKey()
	pub := &app.PublicKey
	tests := []struct {
		name, header, method, uri, body, token string
	}{
		{"node POST", nodeCurlSign(t, app, keys.DevAppID, "", "", "POST", "/v3/alipay/trade/query", `{"out_trade_no":"T1"}`, ""), "POST", "/v3/alipay/trade/query", `{"out_trade_no":"T1"}`, ""},
		{"node GET with query, token", nodeCurlSign(t, app, keys.DevAppID, "", "", "GET", billURI, "", v3Token), "GET", billURI, "", v3Token},
		{"node cert mode + additionalAuthInfo", nodeCurlSign(t, app, keys.DevAppID, "c0ffee", "expired_seconds=600", "POST", "/v3/alipay/trade/pay", `{}`, ""), "POST", "/v3/alipay/trade/pay", `{}`, ""},
		{"node AES body", nodeCurlSign(t, app, keys.DevAppID, "", "", "POST", "/v3/alipay/trade/query", "ILpoMowjIQjfYMR847rnFQ==", ""), "POST", "/v3/alipay/trade/query", "ILpoMowjIQjfYMR847rnFQ==", ""},
		{"gopay POST", gopayAuthorization(t, app, keys.DevAppID, "POST", "/v3/alipay/trade/precreate", `{"subject":"测试"}`, ""), "POST", "/v3/alipay/trade/precreate", `{"subject":"测试"}`, ""},
		{"gopay GET, bare '?'", gopayAuthorization(t, app, keys.DevAppID, "GET", "/v3/alipay/fund/account/query?", "", ""), "GET", "/v3/alipay/fund/account/query?", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth, err := gatewayAccepts(pub, tt.header, tt.method, tt.uri, tt.body, tt.token)
			if err != nil {
				t.Fatalf("gateway refused %q: %v", tt.header, err)
			}
			if auth.AppID != keys.DevAppID {
				t.Errorf("AppID = %q", auth.AppID)
			}
			if at, err := auth.Time(); err != nil || time.Since(at) > time.Minute || time.Since(at) < 0 {
				t.Errorf("fresh request: Time = %v, %v", at, err)
			}
		})
	}
}

// independentVerify splits an "ALIPAY-SHA256withRSA app_id=…,nonce=…,
// timestamp=…,sign=…" header itself and checks the signature with
// crypto/rsa directly.
func independentVerify(pub *rsa.PublicKey, header, method, uri, body, token string) error {
	rest, ok := strings.CutPrefix(header, "ALIPAY-SHA256withRSA ")
	if !ok {
		return errors.New("scheme")
	}
	i := strings.Index(rest, ",sign=")
	if i < 0 {
		return errors.New("no sign")
	}
	content := rest[:i] + "\n" + method + "\n" + uri + "\n" + body + "\n"
	if token != "" {
		content += token + "\n"
	}
	sig, err := base64.StdEncoding.DecodeString(rest[i+6:])
	if err != nil {
		return err
	}
	d := sha256.Sum256([]byte(content))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sig)
}

func TestV3CrossCheckOurSignatures(t *testing.T) {
	app := keys.DevAppPrivateKey()
	for _, tc := range []struct{ method, uri, body, token, certSN string }{
		{"POST", "/v3/alipay/trade/query", `{"out_trade_no":"T1"}`, "", ""},
		{"GET", billURI, "", v3Token, ""},
		{"POST", "/v3/alipay/trade/pay", `{"subject":"测试"}`, "", "c0ffee"},
	} {
		auth := sign.NewV3Auth(keys.DevAppID, tc.certSN, time.Now())
		header, err := sign.SignV3Request(app, auth, tc.method, tc.uri, tc.body, tc.token)
		if err != nil {
			t.Fatal(err)
		}
		if err := independentVerify(&app.PublicKey, header, tc.method, tc.uri, tc.body, tc.token); err != nil {
			t.Errorf("%s %s: independent verifier refused %q: %v", tc.method, tc.uri, header, err)
		}
	}
	// Response: Node #curl / gopay autoVerifySignByCert / Java v3
	// AlipayConfigUtil.verify all check `${ts}\n${nonce}\n${body}\n`.
	alipay := keys.DevAlipayPrivateKey()
	ts, nonce, body := "1700000000000", sign.NewNonce(), `{"trade_no":"2024"}`
	sig, err := sign.SignV3Response(alipay, ts, nonce, body)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(sig)
	d := sha256.Sum256([]byte(ts + "\n" + nonce + "\n" + body + "\n"))
	if err := rsa.VerifyPKCS1v15(&alipay.PublicKey, crypto.SHA256, d[:], raw); err != nil {
		t.Errorf("SDK-style response verification failed: %v", err)
	}
}
