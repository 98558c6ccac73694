package limits

import (
	"sort"
	"time"
)

// Record tells a ledger what it needs of a stored record to put it back.
type Record[T any] struct {
	// Seq is where the record keeps its sequence number; 0 means it was
	// stored before records were numbered.
	Seq     func(T) *uint64
	Created func(T) time.Time
	// ID breaks ties between records made at the same time.
	ID func(T) string
	// Final says whether nothing more can happen to it, and since when.
	Final func(T) (since time.Time, final bool)
}

// Restore files stored records in the order they were made: numbered ones
// by number, then those stored before numbering, oldest first (a store
// holds only one kind or the other). It sorts list into that order,
// numbers the unnumbered ones (returned, to be written back), and queues
// the final ones for eviction in the order they became final.
func (l *Ledger[T]) Restore(list []T, r Record[T]) (numbered []T) {
	sort.SliceStable(list, func(i, j int) bool {
		a, c := *r.Seq(list[i]), *r.Seq(list[j])
		if (a == 0) != (c == 0) {
			return a != 0
		}
		if a != c {
			return a < c
		}
		if ta, tc := r.Created(list[i]), r.Created(list[j]); !ta.Equal(tc) {
			return ta.Before(tc)
		}
		return r.ID(list[i]) < r.ID(list[j])
	})
	type final struct {
		seq   uint64
		since time.Time
	}
	var finals []final
	for _, v := range list {
		seq := r.Seq(v)
		if *seq == 0 {
			numbered = append(numbered, v)
		}
		*seq = l.Load(*seq, v)
		if since, ok := r.Final(v); ok {
			finals = append(finals, final{*seq, since})
		}
	}
	sort.SliceStable(finals, func(i, j int) bool { return finals[i].since.Before(finals[j].since) })
	for _, f := range finals {
		l.Final(f.seq)
	}
	return numbered
}

// Evict takes records off while more than keep are filed (0: no limit):
// those that became final longest ago first, then the oldest. remove
// takes each out of its owner's indexes, and must Remove it from l.
func (l *Ledger[T]) Evict(keep int, remove func(T)) []T {
	return l.EvictWhile(func() bool { return keep > 0 && l.live > keep }, remove)
}

// EvictWhile takes records off in Evict's order while over says so and
// more than one is filed (a bound of bytes: the last one stays).
func (l *Ledger[T]) EvictWhile(over func() bool, remove func(T)) []T {
	var out []T
	for l.live > 1 && over() {
		_, v, ok := l.Next()
		if !ok {
			break
		}
		remove(v)
		out = append(out, v)
	}
	return out
}
