package mock_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A PEM file with text before its block (openssl pkcs12 -nodes writes
// "Bag Attributes" lines first; many key files carry a comment line) is
// refused as "neither PEM nor base64", though openssl and Go's
// pem.Decode (which Go SDKs such as smartwalle/alipay load keys with)
// skip such text, and the mock's own app_cert reader takes it. Both a private key file and an app's
// public_key sent to POST /_mock/apps are refused.
func TestRvakPEMWithLeadingTextIsTaken(t *testing.T) {
	pair := keys.NewPair(keys.DevAppPrivateKey())
	bag := "Bag Attributes\n    localKeyID: 01 00 00 00\nKey Attributes: <No Attributes>\n"
	f := t.TempDir() + "/app_private_key.pem"
	if err := os.WriteFile(f, []byte(bag+string(pair.PrivatePKCS8PEM)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.LoadPrivateKey(f); err != nil {
		t.Errorf("a PKCS#8 PEM file written by openssl pkcs12 -nodes: %v", err)
	}
	m := mocktest.New(t, mock.Options{})
	m.Control("POST", "/apps", map[string]any{"app_id": "2021000000000778",
		"public_key": "# app public key\n" + string(pair.PublicPEM)}, http.StatusCreated)
}

// A passphrase-protected key (openssl's "ENCRYPTED PRIVATE KEY", or a
// PKCS#1 PEM with "Proc-Type: 4,ENCRYPTED") is refused as "not a PKCS#1
// or PKCS#8 RSA private key": wrong, it is one, encrypted, and the owner
// is sent looking for a format problem. The error should say the key is
// encrypted and must be given decrypted (no Alipay SDK takes a passphrase).
func TestRvakEncryptedKeySaysEncrypted(t *testing.T) {
	for _, f := range []string{"testdata/rvak_encrypted_pkcs8.pem", "testdata/rvak_encrypted_pkcs1.pem"} {
		_, err := keys.LoadPrivateKey(f)
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "encrypted") {
			t.Errorf("%s: %v, want an error that says the key is encrypted", f, err)
		}
	}
}
