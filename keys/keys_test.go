package keys_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/keys"
)

var (
	pairOnce sync.Once
	pair1024 *keys.Pair
	pairErr  error
)

// small is one 1024-bit pair shared by the tests, for speed.
func small(t *testing.T) *keys.Pair {
	t.Helper()
	pairOnce.Do(func() { pair1024, pairErr = keys.Generate(1024) })
	if pairErr != nil {
		t.Fatalf("Generate(1024): %v", pairErr)
	}
	return pair1024
}

func certFor(t *testing.T, pub, priv any) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42),
		Subject:      pkix.Name{CommonName: "alipay-mock test"},
		NotBefore:    time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2034, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func b64(der []byte) []byte { return []byte(base64.StdEncoding.EncodeToString(der)) }

// wrap breaks base64 text into lines of n with CRLF, as keys pasted from
// a console often are.
func wrap(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n] + "\r\n")
		s = s[n:]
	}
	b.WriteString(s)
	return b.String()
}

func TestParsePrivateKey(t *testing.T) {
	dev := keys.DevAppPrivateKey()
	p := small(t)
	tests := []struct {
		name string
		in   []byte
		want *rsa.PrivateKey
	}{
		{"dev PKCS#1 PEM", keys.DevFile("app_private_key.pem"), dev},
		{"dev PKCS#8 PEM", keys.DevFile("app_private_key_pkcs8.pem"), dev},
		{"dev raw base64 PKCS#8", keys.DevFile("app_private_key_pkcs8.txt"), dev},
		{"dev raw base64 PKCS#8 wrapped", []byte(wrap(strings.TrimSpace(string(keys.DevFile("app_private_key_pkcs8.txt"))), 64)), dev},
		{"dev PEM with surrounding whitespace", append(append([]byte("\n  \t"), keys.DevFile("app_private_key.pem")...), "\n\n"...), dev},
		{"1024 PKCS#1 PEM", p.PrivatePKCS1PEM, p.Private},
		{"1024 PKCS#8 PEM", p.PrivatePKCS8PEM, p.Private},
		{"1024 raw base64 PKCS#1", []byte(p.PrivatePKCS1Base64), p.Private},
		{"1024 raw base64 PKCS#8", []byte(p.PrivatePKCS8Base64), p.Private},
		{"1024 raw base64 PKCS#1 with newline", []byte(p.PrivatePKCS1Base64 + "\n"), p.Private},
		{"1024 PKCS#8 DER under an RSA PRIVATE KEY label", pemOf("RSA PRIVATE KEY", mustPKCS8(t, p.Private)), p.Private},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := keys.ParsePrivateKey(tt.in)
			if err != nil {
				t.Fatalf("ParsePrivateKey error = %v", err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParsePrivateKey gave a different key")
			}
		})
	}
}

func mustPKCS8(t *testing.T, k any) []byte {
	t.Helper()
	b, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParsePrivateKeyErrors(t *testing.T) {
	p := small(t)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cert := certFor(t, &p.Private.PublicKey, p.Private)
	tests := []struct {
		name    string
		in      []byte
		wantNot bool // want ErrNotPrivateKey
	}{
		{"public PEM", keys.DevFile("app_public_key.pem"), true},
		{"public raw base64", keys.DevFile("app_public_key.txt"), true},
		{"1024 public PEM", p.PublicPEM, true},
		{"1024 public raw base64", []byte(p.PublicBase64), true},
		{"PKCS#1 public PEM", pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&p.Private.PublicKey)), true},
		{"certificate PEM", pemOf("CERTIFICATE", cert), true},
		{"certificate raw base64", b64(cert), true},
		{"ECDSA PKCS#8", pemOf("PRIVATE KEY", mustPKCS8(t, ec)), false},
		{"empty", nil, false},
		{"garbage", []byte("not a key at all"), false},
		{"base64 of garbage", b64([]byte("hello world, not DER")), false},
		{"malformed PEM", []byte("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n"), false},
		{"truncated base64 key", []byte(p.PrivatePKCS8Base64[:len(p.PrivatePKCS8Base64)/2/4*4]), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := keys.ParsePrivateKey(tt.in)
			if err == nil {
				t.Fatalf("ParsePrivateKey = %v, want error", k)
			}
			if k != nil {
				t.Errorf("ParsePrivateKey returned a key with the error")
			}
			if got := errors.Is(err, keys.ErrNotPrivateKey); got != tt.wantNot {
				t.Errorf("errors.Is(%v, ErrNotPrivateKey) = %v, want %v", err, got, tt.wantNot)
			}
		})
	}
}

func TestParsePublicKey(t *testing.T) {
	devPub := &keys.DevAppPrivateKey().PublicKey
	p := small(t)
	pub := &p.Private.PublicKey
	cert := certFor(t, pub, p.Private)
	// A certificate for the small key signed by the dev key: the public key
	// parsed must be the subject's, not the issuer's.
	issuer := keys.DevAlipayPrivateKey()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "leaf"}, NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<32, 0)}
	leaf, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, issuer)
	if err != nil {
		t.Fatal(err)
	}
	pkixDER, _ := x509.MarshalPKIXPublicKey(pub)
	tests := []struct {
		name string
		in   []byte
		want *rsa.PublicKey
	}{
		{"dev PEM", keys.DevFile("app_public_key.pem"), devPub},
		{"dev raw base64", keys.DevFile("app_public_key.txt"), devPub},
		{"dev raw base64 wrapped", []byte(wrap(strings.TrimSpace(string(keys.DevFile("app_public_key.txt"))), 76)), devPub},
		{"1024 PEM", p.PublicPEM, pub},
		{"1024 raw base64", []byte(p.PublicBase64), pub},
		{"1024 PKIX DER base64", b64(pkixDER), pub},
		{"PKCS#1 public PEM", pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(pub)), pub},
		{"PKCS#1 public raw base64", b64(x509.MarshalPKCS1PublicKey(pub)), pub},
		{"certificate PEM", pemOf("CERTIFICATE", cert), pub},
		{"certificate raw base64", b64(cert), pub},
		{"certificate signed by another key", pemOf("CERTIFICATE", leaf), pub},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := keys.ParsePublicKey(tt.in)
			if err != nil {
				t.Fatalf("ParsePublicKey error = %v", err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParsePublicKey gave a different key")
			}
		})
	}
	if !strings.HasPrefix(p.PublicBase64, "MIGf") {
		t.Errorf("1024-bit PKIX base64 starts %q, want MIGf", p.PublicBase64[:8])
	}
}

func TestParsePublicKeyErrors(t *testing.T) {
	p := small(t)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPKIX, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	ecCert := certFor(t, &ec.PublicKey, ec)
	tests := []struct {
		name    string
		in      []byte
		wantNot bool // want ErrNotPublicKey
	}{
		{"dev PKCS#1 PEM private", keys.DevFile("app_private_key.pem"), true},
		{"dev PKCS#8 PEM private", keys.DevFile("app_private_key_pkcs8.pem"), true},
		{"dev raw base64 PKCS#8 private", keys.DevFile("app_private_key_pkcs8.txt"), true},
		{"1024 PKCS#1 PEM private", p.PrivatePKCS1PEM, true},
		{"1024 raw base64 PKCS#1 private", []byte(p.PrivatePKCS1Base64), true},
		{"1024 raw base64 PKCS#8 private", []byte(p.PrivatePKCS8Base64), true},
		{"ECDSA PKIX", pemOf("PUBLIC KEY", ecPKIX), false},
		{"ECDSA certificate", pemOf("CERTIFICATE", ecCert), false},
		{"empty", nil, false},
		{"garbage", []byte("MIIB is not enough!"), false},
		{"base64 of garbage", b64([]byte("hello world, not DER")), false},
		{"malformed PEM", []byte("-----BEGIN PUBLIC KEY-----\n"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := keys.ParsePublicKey(tt.in)
			if err == nil {
				t.Fatalf("ParsePublicKey = %v, want error", k)
			}
			if k != nil {
				t.Errorf("ParsePublicKey returned a key with the error")
			}
			if got := errors.Is(err, keys.ErrNotPublicKey); got != tt.wantNot {
				t.Errorf("errors.Is(%v, ErrNotPublicKey) = %v, want %v", err, got, tt.wantNot)
			}
		})
	}
}

func TestLoadPrivateKey(t *testing.T) {
	dir := t.TempDir()
	dev := keys.DevAppPrivateKey()
	p := small(t)
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name string
		arg  string
		want *rsa.PrivateKey
	}{
		{"path PKCS#1 PEM", write("app_private_key.pem", keys.DevFile("app_private_key.pem")), dev},
		{"path PKCS#8 PEM", write("app_private_key_pkcs8.pem", keys.DevFile("app_private_key_pkcs8.pem")), dev},
		{"path raw base64", write("app_private_key_pkcs8.txt", keys.DevFile("app_private_key_pkcs8.txt")), dev},
		{"path 1024 PKCS#1 base64", write("small.txt", []byte(p.PrivatePKCS1Base64)), p.Private},
		{"path with surrounding whitespace", "  " + filepath.Join(dir, "app_private_key.pem") + "\n", dev},
		{"literal PKCS#1 PEM", string(keys.DevFile("app_private_key.pem")), dev},
		{"literal PKCS#8 PEM", string(keys.DevFile("app_private_key_pkcs8.pem")), dev},
		{"literal PEM with whitespace", "\n " + string(keys.DevFile("app_private_key_pkcs8.pem")), dev},
		{"literal raw base64 PKCS#8", string(keys.DevFile("app_private_key_pkcs8.txt")), dev},
		{"literal 1024 raw base64 PKCS#1", p.PrivatePKCS1Base64, p.Private},
		{"literal 1024 raw base64 PKCS#8", p.PrivatePKCS8Base64, p.Private},
		{"literal 1024 PKCS#8 wrapped", wrap(p.PrivatePKCS8Base64, 64), p.Private},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := keys.LoadPrivateKey(tt.arg)
			if err != nil {
				t.Fatalf("LoadPrivateKey error = %v", err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("LoadPrivateKey gave a different key")
			}
		})
	}

	if _, err := keys.LoadPrivateKey(filepath.Join(dir, "missing.pem")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadPrivateKey(missing file) error = %v, want fs.ErrNotExist", err)
	}
	pubPath := write("pub.pem", keys.DevFile("app_public_key.pem"))
	if _, err := keys.LoadPrivateKey(pubPath); !errors.Is(err, keys.ErrNotPrivateKey) {
		t.Errorf("LoadPrivateKey(public key file) error = %v, want ErrNotPrivateKey", err)
	}
	if _, err := keys.LoadPrivateKey(p.PublicBase64); !errors.Is(err, keys.ErrNotPrivateKey) {
		t.Errorf("LoadPrivateKey(public key literal) error = %v, want ErrNotPrivateKey", err)
	}
	if _, err := keys.LoadPrivateKey(""); err == nil {
		t.Error("LoadPrivateKey(\"\"): want error")
	}
}

// A PEM key with text before its block is read, as openssl and Go's
// pem.Decode (which Go SDKs such as smartwalle/alipay load keys with) read
// it: openssl pkcs12 -nodes writes "Bag Attributes" lines first, and many
// key files carry a comment line. A file or the text itself.
func TestLoadKeyPEMAfterOtherText(t *testing.T) {
	bag := "Bag Attributes\n    localKeyID: 01 00 00 00\nKey Attributes: <No Attributes>\n"
	dev := keys.DevAppPrivateKey()
	f := filepath.Join(t.TempDir(), "app_private_key.pem")
	if err := os.WriteFile(f, append([]byte(bag), keys.DevFile("app_private_key_pkcs8.pem")...), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, arg := range map[string]string{"file": f, "text": "# app private key\n" + string(keys.DevFile("app_private_key.pem"))} {
		if k, err := keys.LoadPrivateKey(arg); err != nil || !k.Equal(dev) {
			t.Errorf("private key %s: %v", name, err)
		}
	}
	if k, err := keys.LoadPublicKey("# app public key\n" + string(keys.DevFile("app_public_key.pem"))); err != nil || !k.Equal(&dev.PublicKey) {
		t.Errorf("public key text: %v", err)
	}
}

// openssl pkcs12 -in app.p12 -nodes writes a bag per item, each after its
// "Bag Attributes" lines, the certificate's before the key's (OpenSSL 3).
// Of several blocks the one of the kind asked for is read, as openssl pkey
// and openssl x509 read it: the key as the private key, whichever comes
// first, and the certificate as the public key, even after the key.
func TestLoadKeyFromPKCS12NodesOutput(t *testing.T) {
	dev := keys.DevAppPrivateKey()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "app"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<31, 0)}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &dev.PublicKey, dev)
	if err != nil {
		t.Fatal(err)
	}
	certBag := "Bag Attributes\n    localKeyID: 60 9E 0A 2B\nsubject=CN = app\nissuer=CN = app\n" +
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert}))
	keyBag := "Bag Attributes\n    localKeyID: 60 9E 0A 2B\nKey Attributes: <No Attributes>\n" +
		string(keys.DevFile("app_private_key_pkcs8.pem"))
	for order, out := range map[string]string{"certificate first": certBag + keyBag, "key first": keyBag + certBag} {
		f := filepath.Join(t.TempDir(), "app.pem")
		if err := os.WriteFile(f, []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
		if k, err := keys.LoadPrivateKey(f); err != nil || !k.Equal(dev) {
			t.Errorf("%s, as the private key: %v; want its key, as openssl pkey reads it", order, err)
		}
		if k, err := keys.LoadPublicKey(f); err != nil || !k.Equal(&dev.PublicKey) {
			t.Errorf("%s, as the public key: %v; want the certificate's key, as openssl x509 reads it", order, err)
		}
	}
	// With no block of the kind asked for, the errors are as for one block.
	if _, err := keys.LoadPrivateKey(certBag); !errors.Is(err, keys.ErrNotPrivateKey) {
		t.Errorf("certificate alone as the private key: %v, want ErrNotPrivateKey", err)
	}
	if _, err := keys.LoadPublicKey(keyBag); !errors.Is(err, keys.ErrNotPublicKey) {
		t.Errorf("key alone as the public key: %v, want ErrNotPublicKey", err)
	}
}

// A passphrase-protected key (openssl's "ENCRYPTED PRIVATE KEY", or a
// PKCS#1 PEM with "Proc-Type: 4,ENCRYPTED") is refused as encrypted, with
// the openssl command that decrypts it (no Alipay SDK takes a
// passphrase), not as "not a PKCS#1 or PKCS#8 RSA private key", which sent
// its owner looking for a format problem. Given for a public key, it is
// a private key.
func TestLoadPrivateKeyEncryptedSaysSo(t *testing.T) {
	for _, f := range []string{"testdata/encrypted_pkcs8.pem", "testdata/encrypted_pkcs1.pem"} {
		_, err := keys.LoadPrivateKey(f)
		if !errors.Is(err, keys.ErrEncrypted) || !strings.Contains(err.Error(), "openssl pkey") {
			t.Errorf("%s: %v, want ErrEncrypted and how to decrypt", f, err)
		}
		if _, err := keys.LoadPublicKey(f); !errors.Is(err, keys.ErrNotPublicKey) {
			t.Errorf("%s as a public key: %v, want ErrNotPublicKey", f, err)
		}
	}
}

func TestLoadPublicKey(t *testing.T) {
	dir := t.TempDir()
	devPub := &keys.DevAppPrivateKey().PublicKey
	alipayPub := &keys.DevAlipayPrivateKey().PublicKey
	p := small(t)
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	cert := certFor(t, &p.Private.PublicKey, p.Private)
	tests := []struct {
		name string
		arg  string
		want *rsa.PublicKey
	}{
		{"path PEM", write("app_public_key.pem", keys.DevFile("app_public_key.pem")), devPub},
		{"path raw base64", write("alipay_public_key.txt", keys.DevFile("alipay_public_key.txt")), alipayPub},
		{"path certificate", write("alipayCertPublicKey_RSA2.crt", pemOf("CERTIFICATE", cert)), &p.Private.PublicKey},
		{"literal PEM", string(keys.DevFile("alipay_public_key.pem")), alipayPub},
		{"literal raw base64 2048", strings.TrimSpace(string(keys.DevFile("app_public_key.txt"))), devPub},
		{"literal raw base64 1024 (MIGf)", p.PublicBase64, &p.Private.PublicKey},
		{"literal raw base64 1024 with newline", p.PublicBase64 + "\n", &p.Private.PublicKey},
		{"literal PKCS#1 public PEM", string(pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&p.Private.PublicKey))), &p.Private.PublicKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := keys.LoadPublicKey(tt.arg)
			if err != nil {
				t.Fatalf("LoadPublicKey error = %v", err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("LoadPublicKey gave a different key")
			}
		})
	}
	if _, err := keys.LoadPublicKey(filepath.Join(dir, "missing.pem")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadPublicKey(missing file) error = %v, want fs.ErrNotExist", err)
	}
	if _, err := keys.LoadPublicKey(p.PrivatePKCS8Base64); !errors.Is(err, keys.ErrNotPublicKey) {
		t.Errorf("LoadPublicKey(private key literal) error = %v, want ErrNotPublicKey", err)
	}
	privPath := write("priv.pem", keys.DevFile("app_private_key.pem"))
	if _, err := keys.LoadPublicKey(privPath); !errors.Is(err, keys.ErrNotPublicKey) {
		t.Errorf("LoadPublicKey(private key file) error = %v, want ErrNotPublicKey", err)
	}
}

var fingerprintRE = regexp.MustCompile(`^SHA256:[0-9a-f]{64}$`)

func TestFingerprint(t *testing.T) {
	p := small(t)
	pub := &p.Private.PublicKey
	pkixDER, _ := base64.StdEncoding.DecodeString(p.PublicBase64)
	sum := sha256.Sum256(pkixDER)
	want := "SHA256:" + hex.EncodeToString(sum[:])

	cert := certFor(t, pub, p.Private)
	inputs := map[string][]byte{
		"PEM":           p.PublicPEM,
		"base64":        []byte(p.PublicBase64),
		"PKCS#1 public": pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(pub)),
		"certificate":   pemOf("CERTIFICATE", cert),
	}
	if got := keys.Fingerprint(pub); got != want {
		t.Errorf("Fingerprint = %q, want %q", got, want)
	}
	for name, in := range inputs {
		k, err := keys.ParsePublicKey(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := keys.Fingerprint(k); got != want {
			t.Errorf("%s: Fingerprint = %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"PrivatePKCS1PEM", "PrivatePKCS8Base64"} {
		in := p.PrivatePKCS1PEM
		if name == "PrivatePKCS8Base64" {
			in = []byte(p.PrivatePKCS8Base64)
		}
		k, err := keys.ParsePrivateKey(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := keys.Fingerprint(&k.PublicKey); got != want {
			t.Errorf("%s: Fingerprint = %q, want %q", name, got, want)
		}
	}

	devTxt, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(string(keys.DevFile("app_public_key.txt"))))
	devSum := sha256.Sum256(devTxt)
	devWant := "SHA256:" + hex.EncodeToString(devSum[:])
	devFP := keys.Fingerprint(&keys.DevAppPrivateKey().PublicKey)
	if devFP != devWant {
		t.Errorf("dev app Fingerprint = %q, want %q", devFP, devWant)
	}
	for _, fp := range []string{want, devFP} {
		if !fingerprintRE.MatchString(fp) {
			t.Errorf("Fingerprint %q is not SHA256:<64 hex>", fp)
		}
	}
	if devFP == want || devFP == keys.Fingerprint(&keys.DevAlipayPrivateKey().PublicKey) {
		t.Error("different keys have the same fingerprint")
	}
}

func TestNewPair(t *testing.T) {
	p := small(t)
	if p.Private.N.BitLen() != 1024 {
		t.Errorf("Generate(1024) made a %d-bit key", p.Private.N.BitLen())
	}
	pemTypes := []struct {
		name string
		data []byte
		typ  string
	}{
		{"PrivatePKCS1PEM", p.PrivatePKCS1PEM, "RSA PRIVATE KEY"},
		{"PrivatePKCS8PEM", p.PrivatePKCS8PEM, "PRIVATE KEY"},
		{"PublicPEM", p.PublicPEM, "PUBLIC KEY"},
	}
	for _, tt := range pemTypes {
		block, rest := pem.Decode(tt.data)
		if block == nil || block.Type != tt.typ || len(rest) != 0 {
			t.Errorf("%s: PEM block %v (rest %d bytes), want one %q block", tt.name, block, len(rest), tt.typ)
		}
	}
	for name, in := range map[string][]byte{
		"PrivatePKCS1PEM":    p.PrivatePKCS1PEM,
		"PrivatePKCS8PEM":    p.PrivatePKCS8PEM,
		"PrivatePKCS1Base64": []byte(p.PrivatePKCS1Base64),
		"PrivatePKCS8Base64": []byte(p.PrivatePKCS8Base64),
	} {
		k, err := keys.ParsePrivateKey(in)
		if err != nil {
			t.Errorf("%s: ParsePrivateKey error = %v", name, err)
			continue
		}
		if !k.Equal(p.Private) {
			t.Errorf("%s parses to a different key", name)
		}
	}
	for name, in := range map[string][]byte{"PublicPEM": p.PublicPEM, "PublicBase64": []byte(p.PublicBase64)} {
		k, err := keys.ParsePublicKey(in)
		if err != nil {
			t.Errorf("%s: ParsePublicKey error = %v", name, err)
			continue
		}
		if !k.Equal(&p.Private.PublicKey) {
			t.Errorf("%s parses to a different key", name)
		}
	}
	if string(keys.PublicPEM(&p.Private.PublicKey)) != string(p.PublicPEM) || keys.PublicBase64(&p.Private.PublicKey) != p.PublicBase64 {
		t.Error("Pair public formats differ from PublicPEM / PublicBase64")
	}
	// The PKCS#1 and PKCS#8 encodings are different bytes of the same key.
	if p.PrivatePKCS1Base64 == p.PrivatePKCS8Base64 {
		t.Error("PKCS#1 and PKCS#8 base64 are equal")
	}
	if !strings.HasPrefix(p.PrivatePKCS1Base64, "MIIC") || !strings.HasPrefix(p.PrivatePKCS8Base64, "MIIC") {
		t.Errorf("1024-bit private base64 starts %q / %q, want MIIC", p.PrivatePKCS1Base64[:6], p.PrivatePKCS8Base64[:6])
	}

	// NewPair of the dev key reproduces the shipped files.
	dp := keys.NewPair(keys.DevAppPrivateKey())
	same := []struct {
		name string
		got  string
		file string
	}{
		{"PrivatePKCS1PEM", string(dp.PrivatePKCS1PEM), "app_private_key.pem"},
		{"PrivatePKCS8PEM", string(dp.PrivatePKCS8PEM), "app_private_key_pkcs8.pem"},
		{"PrivatePKCS8Base64", dp.PrivatePKCS8Base64, "app_private_key_pkcs8.txt"},
		{"PublicPEM", string(dp.PublicPEM), "app_public_key.pem"},
		{"PublicBase64", dp.PublicBase64, "app_public_key.txt"},
	}
	for _, s := range same {
		if strings.TrimSpace(s.got) != strings.TrimSpace(string(keys.DevFile(s.file))) {
			t.Errorf("NewPair(dev).%s differs from keys/dev/%s", s.name, s.file)
		}
	}
}

func TestGenerate2048(t *testing.T) {
	if testing.Short() {
		t.Skip("2048-bit generation in -short")
	}
	p, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	if p.Private.N.BitLen() != 2048 || !strings.HasPrefix(p.PublicBase64, "MIIBIjAN") || len(p.PublicBase64) != 392 {
		t.Errorf("2048-bit pair: %d bits, public base64 %d chars starting %q", p.Private.N.BitLen(), len(p.PublicBase64), p.PublicBase64[:8])
	}
}

func TestDevKeys(t *testing.T) {
	app := keys.DevAppPrivateKey()
	alipay := keys.DevAlipayPrivateKey()
	if app.Equal(alipay) || app.PublicKey.Equal(&alipay.PublicKey) {
		t.Fatal("DevAppPrivateKey and DevAlipayPrivateKey are the same key")
	}
	for _, k := range []*rsa.PrivateKey{app, alipay} {
		if k.N.BitLen() != 2048 {
			t.Errorf("dev key is %d bits, want 2048", k.N.BitLen())
		}
		if err := k.Validate(); err != nil {
			t.Errorf("dev key does not validate: %v", err)
		}
	}
	if !keys.DevAppPrivateKey().Equal(app) {
		t.Error("DevAppPrivateKey differs between calls")
	}
	tests := []struct {
		file string
		want *rsa.PublicKey
	}{
		{"app_public_key.pem", &app.PublicKey},
		{"app_public_key.txt", &app.PublicKey},
		{"alipay_public_key.pem", &alipay.PublicKey},
		{"alipay_public_key.txt", &alipay.PublicKey},
	}
	for _, tt := range tests {
		pub, err := keys.ParsePublicKey(keys.DevFile(tt.file))
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		if !pub.Equal(tt.want) {
			t.Errorf("%s does not hold the matching private key's public half", tt.file)
		}
	}
	for _, f := range []string{"app_private_key_pkcs8.pem", "app_private_key_pkcs8.txt"} {
		k, err := keys.ParsePrivateKey(keys.DevFile(f))
		if err != nil || !k.Equal(app) {
			t.Errorf("%s is not the dev app key: %v", f, err)
		}
	}
	if keys.DevAppID != "9021000100000001" {
		t.Errorf("DevAppID = %q", keys.DevAppID)
	}
}

func TestDevFilePanics(t *testing.T) {
	for _, name := range []string{"nope.pem", "../keys.go", ""} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("DevFile(%q) did not panic", name)
				}
			}()
			keys.DevFile(name)
		}()
	}
}
