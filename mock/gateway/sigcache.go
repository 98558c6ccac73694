package gateway

import (
	"crypto/rsa"
	"crypto/sha256"
	"sync"
	"sync/atomic"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
)

// sigCache remembers the signatures of answers already signed. PKCS#1 v1.5
// signatures are deterministic, so identical bytes (a merchant polling
// query) get the same signature without another RSA operation. It is a
// least-recently-used cache of MaxSignatures entries (docs/limits.md): a
// polled answer stays while answers signed once pass through.
type sigCache struct {
	once sync.Once
	size int // entries; 0 means MaxSignatures
	c    *lru.Cache[sigKey, string]

	signed atomic.Int64 // RSA signatures made (misses), for tests
}

// MaxSignatures bounds the cache: an entry is a 32-byte hash and a base64
// signature (344 bytes for RSA-2048), about 0.5 KB with the LRU's
// bookkeeping, so at most about 4 MB.
const MaxSignatures = 8192

// sigKey is what a signature is cached under: the answer's hash and the
// algorithm.
type sigKey struct {
	body [32]byte // SHA-256
	t    sign.Type
}

func (c *sigCache) sign(k *rsa.PrivateKey, t sign.Type, body []byte) (string, error) {
	c.once.Do(func() {
		n := c.size
		if n <= 0 {
			n = MaxSignatures
		}
		c.c, _ = lru.New[sigKey, string](n) // errs only for n <= 0
	})
	key := sigKey{sha256.Sum256(body), t}
	if sig, ok := c.c.Get(key); ok {
		return sig, nil
	}
	sig, err := sign.Sign(k, t, body)
	if err != nil {
		return "", err
	}
	c.signed.Add(1)
	c.c.Add(key, sig)
	return sig, nil
}
