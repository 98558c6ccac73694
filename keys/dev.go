package keys

import (
	"crypto/rsa"
	"crypto/x509"
	"embed"
	"slices"
	"strings"
	"sync"
)

// DevAppID is the app id of the development app that the mock registers by
// default. Its key pair is in keys/dev/app_*.
const DevAppID = "9021000100000001"

// DevCertAppID is the development app in certificate mode: the same key
// pair as DevAppID, with its certificate DevCertAppCertPEM. Fund methods
// need certificate mode, as in production.
const DevCertAppID = "9021000100000002"

// DevCertAppCertFile is DevCertAppID's certificate in dev/.
const DevCertAppCertFile = "app_cert_public_key_" + DevCertAppID + ".crt"

//go:embed dev/*.pem dev/*.txt dev/*.crt
var devFS embed.FS

// DevFile returns one of the shipped development key and certificate files
// by name, for example "alipay_public_key.pem".
func DevFile(name string) []byte {
	b, err := devFS.ReadFile("dev/" + name)
	if err != nil {
		panic("keys: no shipped dev file " + name)
	}
	return b
}

func mustPrivate(name string) *rsa.PrivateKey {
	k, err := ParsePrivateKey(DevFile(name))
	if err != nil {
		panic(err)
	}
	return k
}

// DevAppPrivateKey is the development app's private key (the merchant side).
func DevAppPrivateKey() *rsa.PrivateKey { return mustPrivate("app_private_key.pem") }

// ShippedKeyFile is the keys/dev file of the private key whose public half
// pub is, "" when none: the dev apps' (app_private_key.pem), the dev
// Alipay key's, the dev CA's. They are public: anyone can sign for an app
// with one of their keys.
func ShippedKeyFile(pub *rsa.PublicKey) string {
	if pub == nil {
		return ""
	}
	for _, k := range shippedKeys() {
		if pub.Equal(&k.key.PublicKey) {
			return k.file
		}
	}
	return ""
}

type shippedKey struct {
	file string
	key  *rsa.PrivateKey
}

// shippedKeys are the private keys in dev/, each once (under the first
// file, by name, that holds it).
var shippedKeys = sync.OnceValue(func() []shippedKey {
	ents, err := devFS.ReadDir("dev")
	if err != nil {
		panic(err)
	}
	var out []shippedKey
	for _, e := range ents {
		if !strings.Contains(e.Name(), "private_key") || !strings.HasSuffix(e.Name(), ".pem") {
			continue
		}
		k := mustPrivate(e.Name())
		if !slices.ContainsFunc(out, func(o shippedKey) bool { return o.key.Equal(k) }) {
			out = append(out, shippedKey{e.Name(), k})
		}
	}
	return out
})

// DevAlipayPrivateKey is the mock's own "Alipay" private key, which signs
// responses and notifications. Its public half is what apps configure as
// the Alipay public key.
func DevAlipayPrivateKey() *rsa.PrivateKey { return mustPrivate("alipay_private_key.pem") }

// Certificate mode. The development CA (DevAuthority) issued:
//
//	dev/alipay_root_cert.crt             alipayRootCert.crt
//	dev/alipay_cert_public_key_rsa2.crt  alipayCertPublicKey_RSA2.crt, for
//	                                     the key of alipay_private_key.pem
//	dev/app_cert_public_key.crt          appCertPublicKey_<DevAppID>.crt, for
//	                                     the key of app_private_key.pem
//	dev/app_cert_public_key_9021000100000002.crt
//	                                     DevCertAppID's, for the same key
//
// dev/mock_ca_cert.crt and dev/mock_ca_private_key.pem are the CA's
// intermediate certificate and its private key, which let the mock issue app
// certificates. Like every file here they are public and for development
// only: nothing they sign proves anything.

// DevAuthority is the development CA.
func DevAuthority() *Authority {
	a, err := LoadAuthority(DevFile("alipay_root_cert.crt"), DevFile("mock_ca_cert.crt"), DevFile("mock_ca_private_key.pem"))
	if err != nil {
		panic(err)
	}
	return a
}

// DevRootCertPEM is the development alipayRootCert.crt.
func DevRootCertPEM() []byte { return DevFile("alipay_root_cert.crt") }

// DevAlipayCertPEM is the development alipayCertPublicKey_RSA2.crt: the
// certificate of the mock's Alipay key, then the intermediate.
func DevAlipayCertPEM() []byte { return DevFile("alipay_cert_public_key_rsa2.crt") }

// DevAppCertPEM is the development app's public-key certificate.
func DevAppCertPEM() []byte { return DevFile("app_cert_public_key.crt") }

// DevRootCertSN is alipay_root_cert_sn for DevRootCertPEM.
func DevRootCertSN() string {
	sn, err := RootCertSNFromPEM(DevRootCertPEM())
	if err != nil {
		panic(err)
	}
	return sn
}

// DevAlipayCertSN is alipay_cert_sn for DevAlipayCertPEM.
func DevAlipayCertSN() string { return CertSN(mustCert(DevAlipayCertPEM())) }

// DevAppCertSN is app_cert_sn for DevAppCertPEM.
func DevAppCertSN() string { return CertSN(mustCert(DevAppCertPEM())) }

// DevCertAppCertPEM is the certificate of DevCertAppID, for the key of
// app_private_key.pem (CN=DevCertAppID).
func DevCertAppCertPEM() []byte { return DevFile(DevCertAppCertFile) }

// DevCertAppCertSN is app_cert_sn for DevCertAppCertPEM.
func DevCertAppCertSN() string { return CertSN(mustCert(DevCertAppCertPEM())) }

// mustCert is the first certificate of a shipped file, the one SDKs read.
func mustCert(pemData []byte) *x509.Certificate {
	certs, err := ParseCertificates(pemData)
	if err != nil {
		panic(err)
	}
	return certs[0]
}
