//go:build openssl

package sign

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"sync"

	"github.com/golang-fips/openssl/v2"
)

// The opt-in signer (go build -tags openssl, CGO_ENABLED=1): RSA PKCS#1 v1.5
// signatures by the system's libcrypto, loaded at start with dlopen through
// github.com/golang-fips/openssl/v2. On this project's 2-core machine
// OpenSSL signs RSA-2048 about three times as fast as crypto/rsa (see
// docs/performance.md). The signatures are the same bytes: PKCS#1 v1.5 is
// deterministic. golang-fips/openssl finds and loads the library; the
// signing and verification calls, on keys converted once and contexts
// kept, are in evp_openssl.go. When no libcrypto loads, crypto/rsa signs
// and verifies and Backend says why.

// libcryptos are the shared libraries tried, newest first.
var libcryptos = []string{"libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.so"}

var ossl struct {
	once    sync.Once
	err     error  // why libcrypto is not used
	version string // its version text when it is
}

func loadOpenSSL() {
	ossl.once.Do(func() {
		var errs []error
		for _, lib := range libcryptos {
			if err := openssl.Init(lib); err != nil {
				errs = append(errs, err)
				continue
			}
			ossl.version = openssl.VersionText()
			return
		}
		ossl.err = fmt.Errorf("no libcrypto loaded: %v", errs)
	})
}

// Backend names the RSA signer this binary uses.
func Backend() string {
	loadOpenSSL()
	if ossl.err != nil {
		return "crypto/rsa (built with -tags openssl, but " + ossl.err.Error() + ")"
	}
	if !loadEVP() {
		return "crypto/rsa (built with -tags openssl, but " + ossl.version + " lacks a function it needs)"
	}
	return "openssl (" + ossl.version + ")"
}

func signPKCS1v15(k *rsa.PrivateKey, h crypto.Hash, digest []byte) ([]byte, error) {
	// Keys crypto/rsa refuses (under 1,024 bits) or OpenSSL's RSA form
	// cannot hold (more than two primes), and anything libcrypto refuses,
	// go to crypto/rsa, so every key signs, or fails, as in the default
	// build.
	if len(k.Primes) == 2 && k.N.BitLen() >= 1024 && k.N.BitLen() <= 4096 {
		if sig, ok := evpSign(k, h, digest); ok {
			return sig, nil
		}
	}
	return rsa.SignPKCS1v15(rand.Reader, k, h, digest)
}
