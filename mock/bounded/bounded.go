// Package bounded holds the map the sign-in books keep their codes,
// tokens and forms in: at most a fixed number of entries, the oldest
// going first, so that no caller can grow the mock's memory without end.
// With groups (Grouped), the oldest of the group holding the most goes:
// one group's flood evicts its own entries while it holds the most (a
// group holding more loses its oldest).
package bounded

import (
	"container/heap"
	"sort"
	"time"
)

// Map is a map that holds at most max entries, evicting the oldest, and
// numbers them in the order they came (the list's positions). With ends
// set it also drops each entry once its end comes, wherever it stands
// (Expire): a queue by end, so that finding them costs nothing per call
// beyond a look at the queue's head. It is not safe for concurrent use.
type Map[V any] struct {
	max   int
	m     map[string]entry[V]
	order []slot // by seq; slots whose key went or came again are stale
	next  uint64 // the last seq given
	// ends is when nothing can use an entry any more; nil: never.
	ends func(V) time.Time
	due  dueQueue // by end; entries whose key went or came again are stale
	// group names an entry's group; nil: none (the oldest overall goes).
	group  func(V) string
	groups map[string]*queue
	big    bigHeap // the groups, the one to evict from first at the top
	gslots int     // slots in the groups' queues, stale ones included
	// spent says an entry is no longer in use (SpentFirst); nil: none.
	spent func(V) bool
	gdue  int // filings in the groups' queues by end, stale ones included
}

type entry[V any] struct {
	v   V
	seq uint64
	g   *queue // its group's queue; nil without groups
}

// queue is one group's entries in the order they came.
type queue struct {
	name  string
	slots []slot   // by seq; stale as order's, or when the entry is not the group's
	n     int      // its entries kept
	i     int      // its index in big
	due   dueQueue // its entries by end, with SpentFirst; stale as k.due's
}

type slot struct {
	key string
	seq uint64
}

// New is a Map of at most max entries.
func New[V any](max int) Map[V] { return Map[V]{max: max, m: map[string]entry[V]{}} }

// NewUntil is New whose entries go at their end (see Expire).
func NewUntil[V any](max int, ends func(V) time.Time) Map[V] {
	k := New[V](max)
	k.ends = ends
	return k
}

// Grouped is k, which holds nothing yet, with its entries grouped by
// group: past the bound the oldest entry of the group holding the most
// goes (of groups holding as many, the one whose oldest is the oldest).
// An entry's group is read when its key comes; a value put again under
// its key stays in it.
func Grouped[V any](k Map[V], group func(V) string) Map[V] {
	if len(k.m) > 0 {
		panic("bounded: Grouped on a Map that holds entries")
	}
	k.group, k.groups = group, map[string]*queue{}
	return k
}

// SpentFirst is k, grouped and with ends, whose eviction past the bound
// drops the group's entries spent says are no longer in use before its
// oldest: soonest end first, of the group that loses an entry only. spent
// must hold for every entry whose end comes before that of any entry in
// use of its group, so that the group's queue by end has them at its head.
func SpentFirst[V any](k Map[V], spent func(V) bool) Map[V] {
	if k.group == nil || k.ends == nil {
		panic("bounded: SpentFirst needs groups and ends")
	}
	k.spent = spent
	return k
}

// Empty is an empty Map with k's bound, ends and groups whose new
// positions follow k's: what a caller refills and swaps in for k.
func (k *Map[V]) Empty() Map[V] {
	e := New[V](k.max)
	e.ends, e.next = k.ends, k.next
	if k.group != nil {
		e = Grouped(e, k.group)
	}
	e.spent = k.spent
	return e
}

// Get is the entry under key.
func (k *Map[V]) Get(key string) (V, bool) {
	e, ok := k.m[key]
	return e.v, ok
}

// Len is how many entries are kept.
func (k *Map[V]) Len() int { return len(k.m) }

// Held is what k holds: its entries, its slots in the order of arrival
// and its filings by end, stale ones included, which compaction keeps
// within twice the entries and 64 after each Put, Queue and Expire
// (Del leaves them, never adding any: the next of those mends it).
// With groups, slots counts the groups' queues' too, each kept within
// twice its group's entries always.
func (k *Map[V]) Held() (entries, slots, filings int) {
	return len(k.m), len(k.order) + k.gslots, len(k.due) + k.gdue
}

// Del drops key; its slot and filing go stale.
func (k *Map[V]) Del(key string) { k.remove(key) }

// remove drops key, and its group's count (a group left with none goes).
func (k *Map[V]) remove(key string) {
	e, ok := k.m[key]
	if !ok {
		return
	}
	delete(k.m, key)
	q := e.g
	if q == nil {
		return
	}
	if q.n--; q.n == 0 {
		heap.Remove(&k.big, q.i)
		delete(k.groups, q.name)
		k.gslots -= len(q.slots)
		k.gdue -= len(q.due)
		return
	}
	k.advance(q)
	if len(q.slots) > 2*q.n {
		live := q.slots[:0]
		for _, s := range q.slots {
			if k.inQueue(q, s) {
				live = append(live, s)
			}
		}
		clear(q.slots[len(live):])
		k.gslots -= len(q.slots) - len(live)
		q.slots = live
	}
	k.refile(q)
	heap.Fix(&k.big, q.i)
}

// advance drops the stale slots at the head of q (which holds entries):
// its head is then its oldest entry kept, as big reads it.
func (k *Map[V]) advance(q *queue) {
	for !k.inQueue(q, q.slots[0]) {
		q.slots[0] = slot{}
		q.slots = q.slots[1:]
		k.gslots--
	}
}

// inQueue reports whether s is an entry kept in q.
func (k *Map[V]) inQueue(q *queue, s slot) bool {
	e, ok := k.m[s.key]
	return ok && e.seq == s.seq && e.g == q
}

// join files key, new at seq, in its value's group, and returns its queue.
func (k *Map[V]) join(key string, v V, seq uint64) *queue {
	name := k.group(v)
	q := k.groups[name]
	if q == nil {
		q = &queue{name: name}
		k.groups[name] = q
		heap.Push(&k.big, q)
	}
	q.slots = append(q.slots, slot{key, seq})
	q.n++
	k.gslots++
	heap.Fix(&k.big, q.i)
	return q
}

// Seq is key's position, 0 when it is not kept.
func (k *Map[V]) Seq(key string) uint64 { return k.m[key].seq }

func (k *Map[V]) live(s slot) bool {
	e, ok := k.m[s.key]
	return ok && e.seq == s.seq
}

// Put keeps v under key (a new key goes last) and returns what went to
// make room.
func (k *Map[V]) Put(key string, v V) []V {
	if e, ok := k.m[key]; ok {
		k.m[key] = entry[V]{v, e.seq, e.g}
		k.Queue(key)
		return nil
	}
	k.Add(key, v, 0)
	return k.evict()
}

// Queue files key under its entry's end now; call it when the end of an
// entry kept moved (the old filing goes stale). Stale filings never
// outnumber the entries kept by more than compact allows, however often an
// end moves.
func (k *Map[V]) Queue(key string) {
	if e, ok := k.m[key]; ok && k.ends != nil {
		heap.Push(&k.due, due{k.ends(e.v), key, e.seq})
		if k.spent != nil {
			k.file(e.g, key, e.v, e.seq)
		}
		k.compact()
	}
}

// file files an entry of q under its end in q's queue by end, which it
// keeps within twice q's entries.
func (k *Map[V]) file(q *queue, key string, v V, seq uint64) {
	heap.Push(&q.due, due{k.ends(v), key, seq})
	k.gdue++
	k.refile(q)
}

// refile drops q's stale filings by end once they outnumber its entries.
func (k *Map[V]) refile(q *queue) {
	if len(q.due) > 2*q.n {
		k.gdue -= len(q.due)
		q.due = q.due[:0]
		for _, s := range q.slots {
			if k.inQueue(q, s) {
				q.due = append(q.due, due{k.ends(k.m[s.key].v), s.key, s.seq})
			}
		}
		heap.Init(&q.due)
		k.gdue += len(q.due)
	}
}

// spentHead is q's entry of soonest end when spent says it is no longer
// in use; stale filings at the head go, moved ones are filed again.
func (k *Map[V]) spentHead(q *queue) (string, bool) {
	for len(q.due) > 0 {
		d := q.due[0]
		e, ok := k.m[d.key]
		if !ok || e.seq != d.seq || e.g != q {
			heap.Pop(&q.due)
			k.gdue--
			continue
		}
		if end := k.ends(e.v); !end.Equal(d.at) {
			heap.Pop(&q.due)
			heap.Push(&q.due, due{end, d.key, d.seq})
			continue
		}
		return d.key, k.spent(e.v)
	}
	return "", false
}

// Expire drops the entries whose end came by now, wherever they stand,
// and returns them. What it reads is the queue's head, and each entry it
// drops or stale filing it passes once.
func (k *Map[V]) Expire(now time.Time) []V {
	var gone []V
	for len(k.due) > 0 && !now.Before(k.due[0].at) {
		d := heap.Pop(&k.due).(due)
		e, ok := k.m[d.key]
		if !ok || e.seq != d.seq {
			continue // went already, or came again since
		}
		if end := k.ends(e.v); now.Before(end) {
			if !end.Equal(d.at) {
				heap.Push(&k.due, due{end, d.key, d.seq}) // moved later: filed again
			}
			continue
		}
		k.remove(d.key)
		gone = append(gone, e.v)
	}
	k.compact()
	return gone
}

// compact drops stale slots and filings once they outnumber the entries
// kept, so that what went leaves no copy of its key behind for long;
// amortised, each stale one is passed once.
func (k *Map[V]) compact() {
	if len(k.order) > 2*len(k.m)+64 {
		live := k.order[:0]
		for _, s := range k.order {
			if k.live(s) {
				live = append(live, s)
			}
		}
		clear(k.order[len(live):])
		k.order = live
	}
	if len(k.due) > 2*len(k.m)+64 {
		k.due = k.due[:0]
		for key, e := range k.m {
			k.due = append(k.due, due{k.ends(e.v), key, e.seq})
		}
		heap.Init(&k.due)
	}
}

// due files an entry under its end.
type due struct {
	at  time.Time
	key string
	seq uint64
}

// dueQueue is a min-heap of filings by end (container/heap).
type dueQueue []due

func (q dueQueue) Len() int { return len(q) }
func (q dueQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq // the same end: the older first
}
func (q dueQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *dueQueue) Push(x any)   { *q = append(*q, x.(due)) }
func (q *dueQueue) Pop() any {
	old := *q
	d := old[len(old)-1]
	old[len(old)-1] = due{}
	*q = old[:len(old)-1]
	return d
}

// Add keeps v under key at position seq (a new one when 0) without
// evicting; the caller sorts and evicts.
func (k *Map[V]) Add(key string, v V, seq uint64) {
	if seq == 0 {
		k.next++
		seq = k.next
	}
	k.next = max(k.next, seq)
	k.remove(key)
	e := entry[V]{v: v, seq: seq}
	if k.group != nil {
		e.g = k.join(key, v, seq)
	}
	k.m[key] = e
	k.order = append(k.order, slot{key, seq})
	k.Queue(key)
}

// Settle puts the order right after adds and evicts past the bound.
func (k *Map[V]) Settle() []V {
	bySeq := func(ss []slot) func(i, j int) bool {
		return func(i, j int) bool { return ss[i].seq < ss[j].seq }
	}
	sort.Slice(k.order, bySeq(k.order))
	for _, q := range k.groups {
		sort.Slice(q.slots, bySeq(q.slots))
		k.advance(q)
	}
	heap.Init(&k.big)
	return k.evict()
}

// evict drops entries past the bound: the oldest, or with groups the
// oldest of the group holding the most (with SpentFirst, its spent ones
// first).
func (k *Map[V]) evict() []V {
	k.compact()
	var gone []V
	for len(k.m) > k.max {
		if k.group != nil {
			q := k.big[0]
			key := q.slots[0].key
			if k.spent != nil {
				if s, ok := k.spentHead(q); ok {
					key = s
				}
			}
			gone = append(gone, k.m[key].v)
			k.remove(key)
			continue
		}
		s := k.order[0]
		k.order = k.order[1:]
		if k.live(s) {
			gone = append(gone, k.m[s.key].v)
			delete(k.m, s.key)
		}
	}
	k.compact() // a group's entries leave stale slots in order
	return gone
}

// bigHeap is the groups, most entries first, then by the oldest entry
// (container/heap); each queue's head is its oldest kept.
type bigHeap []*queue

func (h bigHeap) Len() int { return len(h) }
func (h bigHeap) Less(i, j int) bool {
	if h[i].n != h[j].n {
		return h[i].n > h[j].n
	}
	return h[i].slots[0].seq < h[j].slots[0].seq
}
func (h bigHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].i, h[j].i = i, j
}
func (h *bigHeap) Push(x any) {
	q := x.(*queue)
	q.i = len(*h)
	*h = append(*h, q)
}
func (h *bigHeap) Pop() any {
	old := *h
	q := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return q
}

// Each calls f on the entries after position after, oldest first, until
// f returns false.
func (k *Map[V]) Each(after uint64, f func(seq uint64, v V) bool) {
	i := sort.Search(len(k.order), func(i int) bool { return k.order[i].seq > after })
	for _, s := range k.order[i:] {
		if k.live(s) && !f(s.seq, k.m[s.key].v) {
			return
		}
	}
}
