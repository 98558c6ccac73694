package gateway

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// TestV3NoncesBounded: past the bound the oldest nonce goes (its replay is
// taken again) and memory stays within it, whatever a nonce's length.
func TestV3NoncesBounded(t *testing.T) {
	n := &v3Nonces{size: 3}
	for i := range 4 {
		if n.used("app", fmt.Sprint("n", i)) {
			t.Fatalf("n%d: a new nonce reported used", i)
		}
	}
	if n.m.Len() != 3 {
		t.Fatalf("%d kept, want the bound 3", n.m.Len())
	}
	if !n.used("app", "n3") || !n.used("app", "n1") {
		t.Error("a nonce kept is not reported used")
	}
	if n.used("app", "n0") {
		t.Error("the oldest nonce past the bound is still kept")
	}
	if n.used("other", "n3") {
		t.Error("another app's nonce reported used")
	}

	// 64 KiB nonces (headers may be 64 KiB) keep a hash each, not the nonce.
	n = &v3Nonces{size: 1000}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	long := strings.Repeat("x", 64<<10)
	for i := range 1000 {
		n.used("app", fmt.Sprint(long, i))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 1000*1024 {
		t.Errorf("1,000 nonces of 64 KiB keep %d bytes; want at most 1 KiB each", grew)
	}
	runtime.KeepAlive(n)
}

// TestV3NonceMemoryAtTheBound measures what the nonces hold under a flood
// (docs/limits.md quotes its log line): UUID nonces, as the SDKs send,
// past the bound, the map at it and evicting, the queue's stale slots
// between compactions paid too; the most seen at any sample must be
// within v3NonceBytes each, with a fifth of slack.
func TestV3NonceMemoryAtTheBound(t *testing.T) {
	n := &v3Nonces{}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var most int64
	for i := range 3 * MaxV3Nonces {
		n.used("2021000000000000", fmt.Sprintf("%08x-aaaa-4bbb-8ccc-%012d", i, i))
		if i+1 >= MaxV3Nonces && (i+1)%(MaxV3Nonces/8) == 0 {
			runtime.GC()
			runtime.ReadMemStats(&after)
			most = max(most, int64(after.HeapAlloc)-int64(before.HeapAlloc))
		}
	}
	each := most / MaxV3Nonces
	t.Logf("%d nonces kept: at most %.1f MB, %d bytes each", n.m.Len(), float64(most)/1e6, each)
	if limit := int64(MaxV3Nonces) * v3NonceBytes * 6 / 5; most > limit {
		t.Errorf("the nonces held %.1f MB (%d bytes each); v3NonceBytes says %d each, %.1f MB with slack",
			float64(most)/1e6, each, v3NonceBytes, float64(limit)/1e6)
	}
	runtime.KeepAlive(n)
}
