package bounded

import (
	"cmp"
	"sync/atomic"
	"time"
)

// lastMade is the last number Made gave.
var lastMade atomic.Int64

// Made numbers an entry in the order it was made, for a store to keep
// with it so that a restart or another replica refills in that order when
// the mock's clock gives entries the same time (a frozen clock): the
// wall clock's Unix nanoseconds, strictly increasing in a process. Of
// entries made on different replicas the earlier by the hosts' clocks
// comes first, as far as those agree; ties go by key.
func Made() int64 {
	now := time.Now().UnixNano()
	for {
		last := lastMade.Load()
		n := max(now, last+1)
		if lastMade.CompareAndSwap(last, n) {
			return n
		}
	}
}

// ByMade orders entries made at the same time on the mock's clock: by
// their Made numbers (0, an entry stored without one, first), then keys.
func ByMade(aMade int64, aKey string, bMade int64, bKey string) int {
	return cmp.Or(cmp.Compare(aMade, bMade), cmp.Compare(aKey, bKey))
}
