package keys_test

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/keys"
)

// CHANGELOG and docs/configuration.md: text before a PEM block, "the Bag
// Attributes of openssl pkcs12 -nodes", is skipped, as openssl skips it.
// But `openssl pkcs12 -in app.p12 -nodes -out app.pem` (OpenSSL 3.0, a p12
// from openssl pkcs12 -export) writes the certificate's bag first and the
// key's after it:
//
//	Bag Attributes / subject= / issuer= / -----BEGIN CERTIFICATE----- …
//	Bag Attributes / Key Attributes: <No Attributes> / -----BEGIN PRIVATE KEY----- …
//
// openssl pkey -in app.pem finds the key; the mock reads the first block
// only and says the file is a public key.
func TestRvy2PKCS12NodesOutputIsReadAsItsPrivateKey(t *testing.T) {
	dev := keys.DevAppPrivateKey()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "app"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<31, 0)}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &dev.PublicKey, dev)
	if err != nil {
		t.Fatal(err)
	}
	out := "Bag Attributes\n    localKeyID: 60 9E 0A 2B\nsubject=CN = app\nissuer=CN = app\n" +
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert})) +
		"Bag Attributes\n    localKeyID: 60 9E 0A 2B\nKey Attributes: <No Attributes>\n" +
		string(keys.DevFile("app_private_key_pkcs8.pem"))
	f := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(f, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	if k, err := keys.LoadPrivateKey(f); err != nil || !k.Equal(dev) {
		t.Errorf("openssl pkcs12 -nodes output as the private key: %v; want its key, as openssl pkey reads it", err)
	}
}
