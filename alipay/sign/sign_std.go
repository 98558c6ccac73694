//go:build !openssl

package sign

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
)

// signPKCS1v15 is the RSA PKCS#1 v1.5 signer of the default build: Go's
// crypto/rsa (or BoringCrypto under GOEXPERIMENT=boringcrypto), so the
// binary stays static and pure Go. Build with -tags openssl for
// sign_openssl.go.
func signPKCS1v15(k *rsa.PrivateKey, h crypto.Hash, digest []byte) ([]byte, error) {
	return rsa.SignPKCS1v15(rand.Reader, k, h, digest)
}

// verifyPKCS1v15 checks an RSA PKCS#1 v1.5 signature: crypto/rsa in the
// default build; sign_openssl.go's and evp_openssl.go's under -tags openssl
// gives the same verdicts.
func verifyPKCS1v15(k *rsa.PublicKey, h crypto.Hash, digest, sig []byte) error {
	return rsa.VerifyPKCS1v15(k, h, digest, sig)
}

// Backend names the RSA signer this binary uses.
func Backend() string { return "crypto/rsa" }
