package mock

import (
	"os"
	"runtime/debug"
)

// GCPercent is the collector's target the binary sets when its
// environment names none (GOGC). With Go's default of 100, the collector's
// CPU per request grows with the state kept: at 1,000,000 stored trades a
// control-API lookup cost 2.5 times its CPU at 1,000, and 400 brings every
// request of BenchmarkScale within 7% (docs/performance.md). The price is
// headroom: the heap may grow to five times what is live between cycles.
const GCPercent = 400

// SetGCTarget sets GCPercent unless GOGC is set, and reports the target
// in force (-1: off).
func SetGCTarget() int {
	if os.Getenv("GOGC") != "" {
		p := debug.SetGCPercent(100) // read it back: SetGCPercent returns the previous value
		debug.SetGCPercent(p)
		return p
	}
	debug.SetGCPercent(GCPercent)
	return GCPercent
}
