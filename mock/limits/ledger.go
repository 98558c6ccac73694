package limits

import "sort"

// Ledger keeps a store's items in the order they were made, numbered by a
// sequence that never goes back: the stable order of list pages and their
// cursors. It also queues the items that became final (nothing more can
// happen to them), in the order they did, so eviction can take those
// first. It holds no lock; its owner's lock guards it.
type Ledger[T any] struct {
	seq   uint64
	order []slot[T]
	holes int
	live  int
	final []uint64 // seqs, oldest first; stale ones are skipped
}

type slot[T any] struct {
	seq   uint64
	v     T
	live  bool
	final bool
}

// Add files v at the end and returns its sequence number.
func (l *Ledger[T]) Add(v T) uint64 {
	l.seq++
	l.order = append(l.order, slot[T]{seq: l.seq, v: v, live: true})
	l.live++
	return l.seq
}

// Load files an item restored with its sequence number, which must be
// above every one filed so far; 0 takes the next number. It returns the
// number used.
func (l *Ledger[T]) Load(seq uint64, v T) uint64 {
	if seq <= l.seq {
		seq = l.seq + 1
	}
	l.seq = seq
	l.order = append(l.order, slot[T]{seq: seq, v: v, live: true})
	l.live++
	return seq
}

// Seq is the last sequence number given out.
func (l *Ledger[T]) Seq() uint64 { return l.seq }

// Len is how many items are filed.
func (l *Ledger[T]) Len() int { return l.live }

func (l *Ledger[T]) find(seq uint64) int {
	o := l.order
	i := sort.Search(len(o), func(i int) bool { return o[i].seq >= seq })
	if i < len(o) && o[i].seq == seq && o[i].live {
		return i
	}
	return -1
}

// Final queues the item seq for eviction, once.
func (l *Ledger[T]) Final(seq uint64) {
	if i := l.find(seq); i >= 0 && !l.order[i].final {
		l.order[i].final = true
		l.final = append(l.final, seq)
	}
}

// Unfinal takes the item seq off the final queue: something can happen
// to it again (a notification sent again).
func (l *Ledger[T]) Unfinal(seq uint64) {
	if i := l.find(seq); i >= 0 {
		l.order[i].final = false
	}
}

// Next is the item eviction takes next: the one that became final longest
// ago, else the oldest. ok is false when the ledger is empty.
func (l *Ledger[T]) Next() (seq uint64, v T, ok bool) {
	if seq, v, ok = l.NextFinal(); ok {
		return seq, v, ok
	}
	if len(l.order) == 0 {
		return 0, v, false
	}
	return l.order[0].seq, l.order[0].v, true // leading holes are trimmed
}

// NextFinal is the item that became final longest ago; ok is false when
// none is final.
func (l *Ledger[T]) NextFinal() (seq uint64, v T, ok bool) {
	for len(l.final) > 0 {
		s := l.final[0]
		if i := l.find(s); i >= 0 && l.order[i].final {
			return s, l.order[i].v, true
		}
		l.final = l.final[1:]
	}
	return 0, v, false
}

// EachFinal calls f on the final items, in the order they became final.
func (l *Ledger[T]) EachFinal(f func(seq uint64)) {
	for _, s := range l.final {
		if i := l.find(s); i >= 0 && l.order[i].final {
			f(s)
		}
	}
}

// Remove takes the item seq out.
func (l *Ledger[T]) Remove(seq uint64) {
	i := l.find(seq)
	if i < 0 {
		return
	}
	l.order[i] = slot[T]{seq: seq}
	l.holes++
	l.live--
	for len(l.order) > 0 && !l.order[0].live {
		l.order = l.order[1:]
		l.holes--
	}
	for len(l.final) > 0 && l.final[0] == seq {
		l.final = l.final[1:]
	}
	if l.holes > 64 && l.holes*2 > len(l.order) {
		l.compact()
	}
}

// compact drops the holes, in fresh memory.
func (l *Ledger[T]) compact() {
	live := make([]slot[T], 0, l.live)
	for _, s := range l.order {
		if s.live {
			live = append(live, s)
		}
	}
	l.order, l.holes = live, 0
	final := make([]uint64, 0, len(l.final))
	for _, s := range l.final {
		if i := l.find(s); i >= 0 && l.order[i].final {
			final = append(final, s)
		}
	}
	l.final = final
}

// Each calls f on the items made after the item after (0: from the first),
// in order, until f returns false.
func (l *Ledger[T]) Each(after uint64, f func(seq uint64, v T) bool) {
	o := l.order
	for i := sort.Search(len(o), func(i int) bool { return o[i].seq > after }); i < len(l.order); i++ {
		if s := l.order[i]; s.live && !f(s.seq, s.v) {
			return
		}
	}
}

// Clear empties the ledger; numbering carries on.
func (l *Ledger[T]) Clear() {
	l.order, l.holes, l.live, l.final = nil, 0, 0, nil
}

// Retain keeps only the items keep says yes to (a reset of one app).
func (l *Ledger[T]) Retain(keep func(T) bool) {
	for i := range l.order {
		if s := &l.order[i]; s.live && !keep(s.v) {
			*s = slot[T]{seq: s.seq}
			l.holes++
			l.live--
		}
	}
	l.compact()
}

// EachNewest calls f on the items made before the item before (0: from
// the newest), newest first, until f returns false.
func (l *Ledger[T]) EachNewest(before uint64, f func(seq uint64, v T) bool) {
	o := l.order
	end := len(o)
	if before > 0 {
		end = sort.Search(len(o), func(i int) bool { return o[i].seq >= before })
	}
	for i := end - 1; i >= 0; i-- {
		if s := o[i]; s.live && !f(s.seq, s.v) {
			return
		}
	}
}

// Walk is Each (newest false) or EachNewest (newest true) from at.
func (l *Ledger[T]) Walk(at uint64, newest bool, f func(seq uint64, v T) bool) {
	if newest {
		l.EachNewest(at, f)
	} else {
		l.Each(at, f)
	}
}

// Values are the items filed, oldest first.
func (l *Ledger[T]) Values() []T {
	out := make([]T, 0, l.live)
	l.Each(0, func(_ uint64, v T) bool {
		out = append(out, v)
		return true
	})
	return out
}

// Set replaces the value of the item seq; false when it is not filed.
func (l *Ledger[T]) Set(seq uint64, v T) bool {
	i := l.find(seq)
	if i < 0 {
		return false
	}
	l.order[i].v = v
	return true
}

// Get is the value of the item seq; false when it is not filed.
func (l *Ledger[T]) Get(seq uint64) (T, bool) {
	i := l.find(seq)
	if i < 0 {
		var zero T
		return zero, false
	}
	return l.order[i].v, true
}

// Rewrite replaces the value of every item by what f returns, in order.
func (l *Ledger[T]) Rewrite(f func(seq uint64, v T) T) {
	for i := range l.order {
		if s := &l.order[i]; s.live {
			s.v = f(s.seq, s.v)
		}
	}
}
