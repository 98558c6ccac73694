package mock_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// Alipay's table of signature algorithms: "RSA2 | SHA256WithRSA | 强制要求
// RSA密钥的长度至少为2048", "RSA | SHA1WithRSA | 对RSA密钥的长度不限制" (opendocs
// 开放平台支持的签名算法, quoted at
// https://blog.csdn.net/AlexLiu_2019/article/details/125086292; the
// console's "RSA2密钥长度不正确", https://www.cnblogs.com/searchstar/p/18437340);
// crypto/rsa signs and verifies with no key under 1024 bits.

// An Alipay private key too small to sign with (512 bits) is refused at
// start, naming its size, not taken to answer every call 20000; a 1024-bit
// one signs RSA answers but not RSA2 ones, so it is refused with an RSA2
// app (the shipped dev app is one) and taken with RSA apps only.
func TestAlipayKeyTooSmallRefusedAtStart(t *testing.T) {
	b, err := os.ReadFile("testdata/rsa512_private.pem")
	if err != nil {
		t.Fatal(err)
	}
	k512, err := keys.ParsePrivateKey(b)
	if err != nil {
		t.Fatal(err)
	}
	pair1024, err := keys.Generate(1024)
	if err != nil {
		t.Fatal(err)
	}
	rsaApp := apps.Spec{AppID: "2021000000000781", PublicKey: string(keys.DevFile("app_public_key.pem")), SignType: "RSA"}
	for _, c := range []struct {
		name string
		opts mock.Options
		want string // "" takes it
	}{
		{"512 bits", mock.Options{AlipayKey: k512}, "512-bit"},
		{"1024 bits, RSA2 dev app", mock.Options{AlipayKey: pair1024.Private}, "1024-bit key is too small for RSA2"},
		{"1024 bits, RSA app only", mock.Options{AlipayKey: pair1024.Private, NoDevApp: true, Apps: []apps.Spec{rsaApp}}, ""},
	} {
		c.opts.Clock = clock.NewManual(mocktest.Epoch)
		srv, err := mock.New(c.opts)
		if err == nil {
			srv.Close()
		}
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: mock.New: %v, want an error naming %q", c.name, err, c.want)
		}
	}
}

// An app public key of 512 bits, with which no request could verify, is
// refused at registration.
func TestAppKeyUnder1024Refused(t *testing.T) {
	pub, err := os.ReadFile("testdata/rsa512_public.pem")
	if err != nil {
		t.Fatal(err)
	}
	m := mocktest.New(t, mock.Options{})
	for _, st := range []string{"RSA2", "RSA"} {
		body := m.Control("POST", "/apps", map[string]any{"app_id": "2021000000000777", "public_key": string(pub), "sign_type": st}, http.StatusBadRequest)
		if !strings.Contains(string(body), "512-bit") {
			t.Errorf("%s: %s, want the key's size named", st, body)
		}
	}
}

// An RSA2 app with a 1024-bit key, which Alipay's console refuses, is
// refused; an RSA app takes it.
func TestRSA2AppKeyUnder2048Refused(t *testing.T) {
	pub, err := os.ReadFile("testdata/rsa1024_public.pem")
	if err != nil {
		t.Fatal(err)
	}
	m := mocktest.New(t, mock.Options{})
	body := m.Control("POST", "/apps", map[string]any{"app_id": "2021000000000779", "public_key": string(pub), "sign_type": "RSA2"}, http.StatusBadRequest)
	if !strings.Contains(string(body), "at least 2048") {
		t.Errorf("%s: want the RSA2 rule named", body)
	}
	m.Control("POST", "/apps", map[string]any{"app_id": "2021000000000780", "public_key": string(pub), "sign_type": "RSA"}, http.StatusCreated)
}

// An app's public_key in PEM with text before the block (a comment line,
// openssl's "Bag Attributes") is registered, as the key files read at
// start are.
func TestAppPublicKeyPEMAfterOtherTextIsRegistered(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	m.Control("POST", "/apps", map[string]any{"app_id": "2021000000000778",
		"public_key": "# app public key\n" + string(keys.DevFile("app_public_key.pem"))}, http.StatusCreated)
}

// A restart from --data with an Alipay key under 2048 bits is refused,
// naming the stored RSA2 app, as registering that app on it is: it must
// not serve the app unchecked.
func TestRestoredRSA2AppHeldToTheAlipayKeySize(t *testing.T) {
	dir := t.TempDir()
	first := mocktest.New(t, mock.Options{DataDir: dir, NoDevApp: true})
	own, err := keys.Generate(2048) // --no-dev-app refuses the dev key
	if err != nil {
		t.Fatal(err)
	}
	first.Control("POST", "/apps", map[string]any{"app_id": "2021000000000791",
		"public_key": string(own.PublicPEM), "sign_type": "RSA2"}, http.StatusCreated)
	if err := first.Srv.Close(); err != nil {
		t.Fatal(err)
	}

	pair1024, err := keys.Generate(1024)
	if err != nil {
		t.Fatal(err)
	}
	rsaApp := apps.Spec{AppID: "2021000000000792", PublicKey: string(keys.DevFile("app_public_key.pem")), SignType: "RSA"}
	srv, err := mock.New(mock.Options{DataDir: dir, AlipayKey: pair1024.Private, NoDevApp: true, Apps: []apps.Spec{rsaApp},
		Clock: clock.NewManual(mocktest.Epoch), Seed: 1})
	if err == nil {
		srv.Close()
		t.Fatal("a restart from --data with a 1024-bit Alipay key started with a stored RSA2 app")
	}
	if !strings.Contains(err.Error(), "2021000000000791") || !strings.Contains(err.Error(), "RSA2") {
		t.Errorf("start refused with %q, want the stored app and its sign type named", err)
	}
}

// Alipay sets no size for RSA ("对RSA密钥的长度不限制"); 1024 bits is Go's
// crypto/rsa floor: the refusal of a small RSA key says so, and does not
// name a rule of Alipay's that does not exist.
func TestRSAKeyRefusalNamesGosLimitNotAlipays(t *testing.T) {
	pub, err := os.ReadFile("testdata/rsa512_public.pem")
	if err != nil {
		t.Fatal(err)
	}
	m := mocktest.New(t, mock.Options{})
	body := string(m.Control("POST", "/apps", map[string]any{"app_id": "2021000000000795", "public_key": string(pub), "sign_type": "RSA"}, http.StatusBadRequest))
	if strings.Contains(body, "Alipay requires") || !strings.Contains(body, "crypto/rsa") {
		t.Errorf("%s: want the 1024-bit floor for RSA named as Go's crypto/rsa's, not Alipay's", body)
	}
}
