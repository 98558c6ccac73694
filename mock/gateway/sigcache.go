package gateway

import (
	"crypto/rsa"
	"crypto/sha256"
	"sync"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
)

// sigCache remembers the signatures of answers already signed. PKCS#1 v1.5
// signatures are deterministic, so identical bytes (a merchant polling
// query) get the same signature without another RSA operation.
type sigCache struct {
	mu sync.Mutex
	m  map[[32]byte]string
}

// maxCached bounds the cache; when full it starts over.
const maxCached = 50000

func (c *sigCache) sign(k *rsa.PrivateKey, t sign.Type, body []byte) (string, error) {
	h := sha256.New()
	h.Write([]byte(t))
	h.Write([]byte{0})
	h.Write(body)
	var key [32]byte
	h.Sum(key[:0])
	c.mu.Lock()
	sig, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return sig, nil
	}
	sig, err := sign.Sign(k, t, body)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = make(map[[32]byte]string)
	}
	c.m[key] = sig
	c.mu.Unlock()
	return sig, nil
}
