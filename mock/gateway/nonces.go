package gateway

import (
	"crypto/sha256"
	"sync"

	"github.com/alipay-mock/alipay-mock/mock/bounded"
)

// MaxV3Nonces bounds the v3 nonces kept against replays (docs/limits.md):
// past it the oldest goes, and a replay of its request is taken again.
// An entry is a 32-byte hash, about v3NonceBytes with the map's and
// queue's bookkeeping, so at most about 17 MB.
const MaxV3Nonces = 100_000

// v3NonceBytes is what a kept nonce costs at the bound under a flood (the
// map evicting, the queue's stale slots between compactions included), as
// TestV3NonceMemoryAtTheBound measures it.
const v3NonceBytes = 170

// v3Nonces are the nonces of the v3 requests whose signature verified, so
// that the same request sent again is refused (Alipay: a nonce is unique
// per request). Only the bound drops one, never time: the mock's clock can
// be set back to any reading (POST /_mock/clock), where it accepts an old
// timestamp again. They are this process's only: a restart forgets them,
// and each --store replica keeps its own.
type v3Nonces struct {
	mu   sync.Mutex
	size int // entries; 0 means MaxV3Nonces
	m    *bounded.Map[struct{}]
}

// used records app's nonce and reports whether it was kept already.
func (n *v3Nonces) used(appID, nonce string) bool {
	// Hashed: the key's size is fixed whatever the nonce's length.
	key := sha256.Sum256([]byte(appID + "," + nonce))
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		size := n.size
		if size <= 0 {
			size = MaxV3Nonces
		}
		m := bounded.New[struct{}](size)
		n.m = &m
	}
	if _, ok := n.m.Get(string(key[:])); ok {
		return true
	}
	n.m.Put(string(key[:]), struct{}{})
	return false
}
