package keys

import (
	"crypto/rsa"
	"embed"
)

// DevAppID is the app id of the development app that the mock registers by
// default. Its key pair is in keys/dev/app_*.
const DevAppID = "9021000100000001"

//go:embed dev/*.pem dev/*.txt
var devFS embed.FS

// DevFile returns one of the shipped development key files by name, for
// example "alipay_public_key.pem".
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

// DevAlipayPrivateKey is the mock's own "Alipay" private key, which signs
// responses and notifications. Its public half is what apps configure as
// the Alipay public key.
func DevAlipayPrivateKey() *rsa.PrivateKey { return mustPrivate("alipay_private_key.pem") }
