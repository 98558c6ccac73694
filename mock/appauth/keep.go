package appauth

import "sort"

// keep is a map that holds at most max entries, evicting the oldest, and
// numbers them in the order they came (the list's positions).
type keep[V any] struct {
	max   int
	m     map[string]entry[V]
	order []slot // by seq; slots whose key went or came again are stale
	next  uint64 // the last seq given
}

type entry[V any] struct {
	v   V
	seq uint64
}

type slot struct {
	key string
	seq uint64
}

func newKeep[V any](max int) keep[V] { return keep[V]{max: max, m: map[string]entry[V]{}} }

func (k *keep[V]) get(key string) (V, bool) {
	e, ok := k.m[key]
	return e.v, ok
}

// seqOf is key's position, 0 when it is not kept.
func (k *keep[V]) seqOf(key string) uint64 { return k.m[key].seq }

func (k *keep[V]) live(s slot) bool {
	e, ok := k.m[s.key]
	return ok && e.seq == s.seq
}

// put keeps v under key (a new key goes last) and returns what went to
// make room.
func (k *keep[V]) put(key string, v V) []V {
	if e, ok := k.m[key]; ok {
		k.m[key] = entry[V]{v, e.seq}
		return nil
	}
	k.add(key, v, 0)
	return k.evict()
}

// add keeps v under key at position seq (a new one when 0) without
// evicting; the caller sorts and evicts.
func (k *keep[V]) add(key string, v V, seq uint64) {
	if seq == 0 {
		k.next++
		seq = k.next
	}
	k.next = max(k.next, seq)
	k.m[key] = entry[V]{v, seq}
	k.order = append(k.order, slot{key, seq})
}

// settle puts the order right after adds and evicts past the bound.
func (k *keep[V]) settle() []V {
	sort.Slice(k.order, func(i, j int) bool { return k.order[i].seq < k.order[j].seq })
	return k.evict()
}

func (k *keep[V]) evict() []V {
	if len(k.order) > 2*k.max { // drop the stale slots
		live := k.order[:0]
		for _, s := range k.order {
			if k.live(s) {
				live = append(live, s)
			}
		}
		k.order = live
	}
	var gone []V
	for len(k.m) > k.max {
		s := k.order[0]
		k.order = k.order[1:]
		if k.live(s) {
			gone = append(gone, k.m[s.key].v)
			delete(k.m, s.key)
		}
	}
	return gone
}

// trim drops entries from the oldest on while dead says so, and returns them.
func (k *keep[V]) trim(dead func(V) bool) []V {
	var gone []V
	for len(k.order) > 0 {
		s := k.order[0]
		if k.live(s) {
			v := k.m[s.key].v
			if !dead(v) {
				break
			}
			gone = append(gone, v)
			delete(k.m, s.key)
		}
		k.order = k.order[1:]
	}
	return gone
}

// each calls f on the entries after position after, oldest first, until
// f returns false.
func (k *keep[V]) each(after uint64, f func(seq uint64, v V) bool) {
	i := sort.Search(len(k.order), func(i int) bool { return k.order[i].seq > after })
	for _, s := range k.order[i:] {
		if k.live(s) && !f(s.seq, k.m[s.key].v) {
			return
		}
	}
}
