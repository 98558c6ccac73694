package bounded

import (
	"cmp"
	"math"
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

// ByMade orders entries as a restart or a replica refills them: by their
// Made numbers (see MadeOr), then keys. Not by their time on the mock's
// clock, which can be set back: a refill then puts them in the order the
// process they come from held them.
func ByMade(aMade int64, aKey string, bMade int64, bKey string) int {
	return cmp.Or(cmp.Compare(aMade, bMade), cmp.Compare(aKey, bKey))
}

// MadeOr is an entry's Made number, or for one stored without it (0,
// by a version before Made) a number below every Made number, in the order
// of its time on the mock's clock: the two clocks are not compared, and
// what an older version stored was made before anything this one made.
func MadeOr(made int64, at time.Time) int64 {
	if made == 0 {
		return math.MinInt64/2 + at.UnixNano()/2
	}
	return made
}
