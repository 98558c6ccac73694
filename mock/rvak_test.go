package mock_test

import (
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
)

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
