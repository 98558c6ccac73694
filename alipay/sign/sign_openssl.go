//go:build openssl

package sign

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"math/big"
	"sync"

	"github.com/golang-fips/openssl/v2"
	"github.com/golang-fips/openssl/v2/bbig"
)

// The opt-in signer (go build -tags openssl, CGO_ENABLED=1): RSA PKCS#1 v1.5
// signatures by the system's libcrypto, loaded at start with dlopen through
// github.com/golang-fips/openssl/v2. On this project's 2-core machine
// OpenSSL signs RSA-2048 about three times as fast as crypto/rsa (see
// docs/performance.md). The signatures are the same bytes: PKCS#1 v1.5 is
// deterministic. When no libcrypto loads, crypto/rsa signs and Backend says
// why. Verification is OpenSSL's too (evp_openssl.go).

// libcryptos are the shared libraries tried, newest first.
var libcryptos = []string{"libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.so"}

var ossl struct {
	once    sync.Once
	err     error  // why libcrypto is not used
	version string // its version text when it is
	lib     string // the library loaded

	mu   sync.Mutex
	keys map[string]*openssl.PrivateKeyRSA // by modulus and exponent bytes
}

// maxOpenSSLKeys bounds the converted keys kept: the mock signs with its
// Alipay key, a client with a few app keys, so when more turn up the map
// starts over rather than grow.
const maxOpenSSLKeys = 256

func loadOpenSSL() {
	ossl.once.Do(func() {
		var errs []error
		for _, lib := range libcryptos {
			if err := openssl.Init(lib); err != nil {
				errs = append(errs, err)
				continue
			}
			ossl.version, ossl.lib = openssl.VersionText(), lib
			ossl.keys = make(map[string]*openssl.PrivateKeyRSA)
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
		return "openssl (" + ossl.version + "; verification by crypto/rsa: a libcrypto function is missing)"
	}
	return "openssl (" + ossl.version + ")"
}

func signPKCS1v15(k *rsa.PrivateKey, h crypto.Hash, digest []byte) ([]byte, error) {
	loadOpenSSL()
	// Keys crypto/rsa refuses (under 1,024 bits) or OpenSSL's RSA form
	// cannot hold (more than two primes) go to crypto/rsa, so every key
	// signs, or fails, as in the default build.
	if ossl.err != nil || len(k.Primes) != 2 || k.N.BitLen() < 1024 {
		return rsa.SignPKCS1v15(rand.Reader, k, h, digest)
	}
	ok, err := opensslKey(k)
	if err != nil {
		return nil, err
	}
	return openssl.SignRSAPKCS1v15(ok, h, digest)
}

// opensslKey converts k once; keys are told apart by modulus and private
// exponent.
func opensslKey(k *rsa.PrivateKey) (*openssl.PrivateKeyRSA, error) {
	// The key's id is n and d at n's width, made in a stack buffer for
	// keys up to 4,096 bits (a lookup as string(id) does not allocate, and
	// every signature looks its key up).
	var buf [2 * 512]byte
	size := (k.N.BitLen() + 7) / 8
	if (k.D.BitLen()+7)/8 > size { // not a valid key; d must still tell it apart
		size = (k.D.BitLen() + 7) / 8
	}
	var id []byte
	if 2*size <= len(buf) {
		id = buf[:2*size]
	} else {
		id = make([]byte, 2*size)
	}
	k.N.FillBytes(id[:size])
	k.D.FillBytes(id[size:])
	ossl.mu.Lock()
	ok := ossl.keys[string(id)]
	ossl.mu.Unlock()
	if ok != nil {
		return ok, nil
	}
	p, q := k.Primes[0], k.Primes[1]
	one := big.NewInt(1)
	dp := new(big.Int).Mod(k.D, new(big.Int).Sub(p, one))
	dq := new(big.Int).Mod(k.D, new(big.Int).Sub(q, one))
	qinv := new(big.Int).ModInverse(q, p)
	if qinv == nil {
		return nil, fmt.Errorf("sign: RSA key's primes are not coprime")
	}
	ok, err := openssl.NewPrivateKeyRSA(bbig.Enc(k.N), bbig.Enc(big.NewInt(int64(k.E))), bbig.Enc(k.D),
		bbig.Enc(p), bbig.Enc(q), bbig.Enc(dp), bbig.Enc(dq), bbig.Enc(qinv))
	if err != nil {
		return nil, err
	}
	ossl.mu.Lock()
	if len(ossl.keys) >= maxOpenSSLKeys {
		ossl.keys = make(map[string]*openssl.PrivateKeyRSA)
	}
	ossl.keys[string(id)] = ok
	ossl.mu.Unlock()
	return ok, nil
}
