package mocktest

import "runtime"

// AllocatedBy is the bytes the whole process allocates on the heap while
// f runs (after a collection first), for tests that bound what a request
// costs by allocation rather than time.
func AllocatedBy(f func()) uint64 {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	f()
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc
}
