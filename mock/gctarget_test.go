package mock_test

import (
	"runtime/debug"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// The binary's collector target: GCPercent when GOGC is not set, and
// whatever GOGC set when it is.
func TestSetGCTarget(t *testing.T) {
	prev := debug.SetGCPercent(123)
	defer debug.SetGCPercent(prev)
	t.Setenv("GOGC", "123") // as if the runtime had read it at start
	if got := mock.SetGCTarget(); got != 123 {
		t.Fatalf("with GOGC set: %d, want 123", got)
	}
	if now := debug.SetGCPercent(123); now != 123 {
		t.Fatalf("with GOGC set the target became %d", now)
	}
	t.Setenv("GOGC", "")
	if got := mock.SetGCTarget(); got != mock.GCPercent {
		t.Fatalf("without GOGC: %d, want %d", got, mock.GCPercent)
	}
	if now := debug.SetGCPercent(prev); now != mock.GCPercent {
		t.Fatalf("without GOGC the target is %d", now)
	}
}
