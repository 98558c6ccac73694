package gateway

import (
	"fmt"
	"runtime"
	"testing"
)

// docs/limits.md and nonces.go say a kept v3 nonce costs about 110 bytes,
// so the bound holds at most about 11 MB. That was a map filled once to the
// bound; a flood keeps it at the bound, evicting, and then the queue's
// stale slots between compactions are paid too. Measured past the bound
// (in process: 300,000 signed v3 requests through HTTP would take minutes
// of RSA), the bound must still hold about 11 MB.
func TestRvy2V3NoncesAtTheBoundHoldWhatTheDocsSay(t *testing.T) {
	n := &v3Nonces{}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range 3 * MaxV3Nonces { // an SDK's UUID nonces, past the bound
		n.used("2021000000000000", fmt.Sprintf("%08x-aaaa-4bbb-8ccc-%012d", i, i))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d nonces kept in %.1f MB, %.0f bytes each", n.m.Len(), float64(grew)/1e6, float64(grew)/float64(n.m.Len()))
	if grew > 13_000_000 { // "at most about 11 MB", with 2 MB of slack
		t.Errorf("the nonce bound holds %.1f MB once it is reached (%.0f bytes each); docs/limits.md says about 11 MB (110 bytes each)",
			float64(grew)/1e6, float64(grew)/float64(n.m.Len()))
	}
	runtime.KeepAlive(n)
}
