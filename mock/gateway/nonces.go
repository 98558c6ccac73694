package gateway

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/mock/bounded"
)

// MaxV3Nonces bounds the v3 nonces kept against replays (docs/limits.md):
// past it the oldest goes, and a replay of its request is taken again.
// An entry is a 32-byte hash and its end, about 375 bytes with the map's
// and queues' bookkeeping (measured), so at most about 40 MB.
const MaxV3Nonces = 100_000

// v3Nonces are the nonces of the v3 requests whose signature verified, each
// kept until its request's timestamp leaves the accepted window, so that
// the same request sent again is refused (Alipay: a nonce is unique per
// request). They are this process's only: a restart forgets them, and each
// --store replica keeps its own.
type v3Nonces struct {
	mu   sync.Mutex
	size int // entries; 0 means MaxV3Nonces
	m    *bounded.Map[time.Time]
}

// used records app's nonce, kept until end (after which no clock accepts
// its timestamp), and reports whether it was kept already. now is the
// earlier of the two clocks' readings: a nonce goes once both are past
// its end.
func (n *v3Nonces) used(appID, nonce string, end, now time.Time) bool {
	// Hashed: the key's size is fixed whatever the nonce's length.
	key := sha256.Sum256([]byte(appID + "," + nonce))
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		size := n.size
		if size <= 0 {
			size = MaxV3Nonces
		}
		m := bounded.NewUntil(size, func(end time.Time) time.Time { return end })
		n.m = &m
	}
	n.m.Expire(now)
	if _, ok := n.m.Get(string(key[:])); ok {
		return true
	}
	n.m.Put(string(key[:]), end)
	return false
}

// neverEnds is the end of a nonce whose timestamp no clock checks
// (--timestamp-tolerance 0): it goes only past the bound.
var neverEnds = time.Unix(1<<62, 0)

// nonceEnd is when no clock accepts a request stamped at with past as its
// allowed age any more.
func (g *Gateway) nonceEnd(at time.Time, past time.Duration) time.Time {
	if g.TimestampTolerance <= 0 {
		return neverEnds
	}
	return timestamp.Skew{At: at, Past: past}.Ends()
}

// earlier is the earlier of two clocks' readings.
func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
