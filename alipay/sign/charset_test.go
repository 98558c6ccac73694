package sign_test

import (
	"bytes"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
)

func TestParseCharset(t *testing.T) {
	tests := []struct {
		in      string
		want    sign.Charset
		wantErr bool
	}{
		{"", sign.UTF8, false},
		{"   ", sign.UTF8, false},
		{"utf-8", sign.UTF8, false},
		{"UTF-8", sign.UTF8, false},
		{"Utf-8", sign.UTF8, false},
		{"utf8", sign.UTF8, false},
		{"UTF8", sign.UTF8, false},
		{" utf-8 ", sign.UTF8, false},
		{"gbk", sign.GBK, false},
		{"GBK", sign.GBK, false},
		{"GbK", sign.GBK, false},
		{"\tgbk\n", sign.GBK, false},
		{"gb2312", sign.GBK, false},
		{"GB2312", sign.GBK, false},
		{"gb18030", "", true},
		{"GB-2312", "", true},
		{"utf_8", "", true},
		{"utf-16", "", true},
		{"latin1", "", true},
		{"iso-8859-1", "", true},
		{"big5", "", true},
	}
	for _, tt := range tests {
		got, err := sign.ParseCharset(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseCharset(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseCharset(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if sign.UTF8 != "utf-8" || sign.GBK != "gbk" {
		t.Errorf("UTF8, GBK = %q, %q", sign.UTF8, sign.GBK)
	}
}

func TestCharsetEncodeDecode(t *testing.T) {
	// GBK bytes from iconv -f UTF-8 -t GBK.
	tests := []struct {
		text    string
		gbk     string // hex
		comment string
	}{
		{"", "", "empty"},
		{"abc=1&x", "6162633d312678", "ASCII is unchanged"},
		{"中文", "d6d0cec4", ""},
		{"支付宝", "d6a7b8b6b1a6", ""},
		{"乗", "815c", "second byte is 0x5C, a backslash in ASCII"},
		{"乗车票", "815cb3b5c6b1", ""},
		{"測試", "9c79d487", "traditional characters are in GBK"},
		{`乗"`, "815c22", "0x5C trail byte followed by a quote"},
		{"乗\\", "815c5c", "0x5C trail byte followed by a real backslash"},
	}
	for _, tt := range tests {
		want, _ := hex.DecodeString(tt.gbk)
		got, err := sign.GBK.Encode(tt.text)
		if err != nil {
			t.Errorf("GBK.Encode(%q) error = %v", tt.text, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("GBK.Encode(%q) = %x, want %s (%s)", tt.text, got, tt.gbk, tt.comment)
		}
		back, err := sign.GBK.Decode(got)
		if err != nil {
			t.Errorf("GBK.Decode(%x) error = %v", got, err)
		}
		if back != tt.text {
			t.Errorf("GBK.Decode(%x) = %q, want %q", got, back, tt.text)
		}

		u, err := sign.UTF8.Encode(tt.text)
		if err != nil || string(u) != tt.text {
			t.Errorf("UTF8.Encode(%q) = %q, %v", tt.text, u, err)
		}
		if s, err := sign.UTF8.Decode([]byte(tt.text)); err != nil || s != tt.text {
			t.Errorf("UTF8.Decode(%q) = %q, %v", tt.text, s, err)
		}
	}
	for _, s := range []string{"😀", "a😀b"} {
		if b, err := sign.GBK.Encode(s); err == nil {
			t.Errorf("GBK.Encode(%q) = %x, want error (not in GBK)", s, b)
		}
	}
}

func TestSignNotifyEncodeForm(t *testing.T) {
	alipay := keys.DevAlipayPrivateKey()
	params := map[string]string{
		"subject":      "乗车票 支付",
		"body":         `a&b=c+d%20e`,
		"out_trade_no": "T20240401",
		"total_amount": "88.88",
		"trade_status": "TRADE_SUCCESS",
		"charset":      "gbk",
		"empty":        "",
		"sign_type":    "garbage",
		"sign":         "garbage",
	}
	if err := sign.SignNotify(params, alipay, sign.RSA2, sign.GBK); err != nil {
		t.Fatalf("SignNotify error = %v", err)
	}
	if params["sign_type"] != "RSA2" {
		t.Errorf("sign_type = %q, want RSA2", params["sign_type"])
	}
	if params["sign"] == "garbage" || params["sign"] == "" {
		t.Fatalf("sign not set: %q", params["sign"])
	}
	want, _ := sign.SignString(alipay, sign.RSA2, sign.GBK,
		`body=a&b=c+d%20e&charset=gbk&out_trade_no=T20240401&subject=乗车票 支付&total_amount=88.88&trade_status=TRADE_SUCCESS`)
	if params["sign"] != want {
		t.Errorf("sign is not the signature of the notify content (sign and sign_type excluded, empty dropped)")
	}
	pub, err := keys.ParsePublicKey(keys.DevFile("alipay_public_key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sign.VerifyString(pub, sign.RSA2, sign.GBK, sign.NotifyContent(params), params["sign"]); err != nil {
		t.Errorf("VerifyString of SignNotify result = %v", err)
	}
	if err := sign.VerifyString(pub, sign.RSA2, sign.UTF8, sign.NotifyContent(params), params["sign"]); err == nil {
		t.Errorf("GBK notification verified as UTF-8")
	}

	form, err := sign.EncodeForm(params, sign.GBK)
	if err != nil {
		t.Fatalf("EncodeForm error = %v", err)
	}
	for i := 0; i < len(form); i++ {
		if form[i] >= 0x80 {
			t.Fatalf("form has a raw non-ASCII byte at %d: %q", i, form)
		}
	}
	for _, frag := range []string{
		"subject=%81%5C%B3%B5%C6%B1+%D6%A7%B8%B6", // 乗车票 支付 in GBK, space as +
		"body=a%26b%3Dc%2Bd%2520e",
		"empty=&",
		"sign_type=RSA2",
		"total_amount=88.88",
	} {
		if !strings.Contains(form, frag) {
			t.Errorf("form lacks %q:\n%s", frag, form)
		}
	}
	var order []string
	for _, kv := range strings.Split(form, "&") {
		k, _, _ := strings.Cut(kv, "=")
		order = append(order, k)
	}
	if !sort.StringsAreSorted(order) || len(order) != len(params) {
		t.Errorf("form keys %v are not the %d params sorted", order, len(params))
	}

	q, err := url.ParseQuery(form)
	if err != nil {
		t.Fatalf("ParseQuery error = %v", err)
	}
	back := map[string]string{}
	for k, vs := range q {
		if len(vs) != 1 {
			t.Fatalf("key %q has %d values", k, len(vs))
		}
		s, err := sign.GBK.Decode([]byte(vs[0]))
		if err != nil {
			t.Fatalf("decode %q: %v", k, err)
		}
		back[k] = s
	}
	if len(back) != len(params) {
		t.Errorf("parsed back %d params, want %d", len(back), len(params))
	}
	for k, v := range params {
		if back[k] != v {
			t.Errorf("param %q parsed back as %q, want %q", k, back[k], v)
		}
	}
	if err := sign.VerifyString(pub, sign.RSA2, sign.GBK, sign.NotifyContent(back), back["sign"]); err != nil {
		t.Errorf("verify of the parsed-back form = %v", err)
	}
}

func TestEncodeForm(t *testing.T) {
	tests := []struct {
		name   string
		params map[string]string
		cs     sign.Charset
		want   string
	}{
		{"empty", map[string]string{}, sign.UTF8, ""},
		{"sorted", map[string]string{"b": "2", "a": "1"}, sign.UTF8, "a=1&b=2"},
		{"utf-8 bytes", map[string]string{"s": "乗"}, sign.UTF8, "s=%E4%B9%97"},
		{"gbk bytes", map[string]string{"s": "乗"}, sign.GBK, "s=%81%5C"},
		{"escaped key", map[string]string{"a b&": "x"}, sign.UTF8, "a+b%26=x"},
		{"empty value kept", map[string]string{"a": ""}, sign.GBK, "a="},
	}
	for _, tt := range tests {
		got, err := sign.EncodeForm(tt.params, tt.cs)
		if err != nil {
			t.Errorf("%s: EncodeForm error = %v", tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: EncodeForm = %q, want %q", tt.name, got, tt.want)
		}
	}
	if _, err := sign.EncodeForm(map[string]string{"s": "😀"}, sign.GBK); err == nil {
		t.Error("EncodeForm(GBK) of an emoji: want error")
	}
}
