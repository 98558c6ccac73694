package limits

import "container/heap"

// Fair picks what a store evicts past its bound so that neither another
// site's forms nor one app's flood can take what another app's merchant
// sees. Items are in classes, each counted apart (class 0: orders no
// buyer or sender acted on, which do not exist for the merchant yet;
// class 1: the rest), and in each class grouped by app, as the sign-in
// books' bounded maps are (mock/bounded): of a class, the app holding the
// most loses one (of apps holding as many, the one whose oldest is the
// oldest), the one of its items that became final longest ago, else its
// oldest. Items are named by their ledger sequence number. It holds no
// lock; its owner's lock guards it.
type Fair struct {
	items  map[uint64]*fairItem
	groups map[fairKey]*fairGroup
	big    [FairClasses]groupHeap
	count  [FairClasses]int
}

// FairClasses is how many classes Fair has.
const FairClasses = 2

type fairKey struct {
	class int
	app   string
}

type fairItem struct {
	g     *fairGroup
	final bool
}

// fairGroup is one app's items of one class.
type fairGroup struct {
	key   fairKey
	n     int
	seqs  seqHeap  // its items, oldest at the top; stale ones included
	final []uint64 // its final items in the order they became final; stale ones included
	i     int      // index in its class's heap
}

// Set files the item seq (new or already filed) in app's group of class,
// final or not. An item once final stays queued as it was.
func (f *Fair) Set(seq uint64, app string, class int, final bool) {
	if f.items == nil {
		f.items, f.groups = map[uint64]*fairItem{}, map[fairKey]*fairGroup{}
	}
	class = min(max(class, 0), FairClasses-1)
	k := fairKey{class, app}
	it := f.items[seq]
	if it != nil && it.g.key != k {
		f.Remove(seq)
		it = nil
	}
	if it == nil {
		f.count[class]++
		g := f.groups[k]
		it = &fairItem{g: g}
		if g == nil {
			g = &fairGroup{key: k, n: 1, seqs: seqHeap{seq}}
			it.g = g
			f.items[seq] = it
			f.groups[k] = g
			heap.Push(&f.big[class], g)
		} else {
			f.items[seq] = it
			g.n++
			heap.Push(&g.seqs, seq)
			f.mend(g)
		}
	}
	if final && !it.final {
		it.final = true
		it.g.final = append(it.g.final, seq)
	}
}

// Remove takes the item seq out.
func (f *Fair) Remove(seq uint64) {
	it := f.items[seq]
	if it == nil {
		return
	}
	delete(f.items, seq)
	g := it.g
	f.count[g.key.class]--
	if g.n--; g.n == 0 {
		heap.Remove(&f.big[g.key.class], g.i)
		delete(f.groups, g.key)
		return
	}
	f.mend(g)
}

// Clear forgets every item.
func (f *Fair) Clear() { *f = Fair{} }

// Len is how many items are filed.
func (f *Fair) Len() int { return len(f.items) }

// Count is how many items class holds.
func (f *Fair) Count(class int) int { return f.count[class] }

// Next is the item of class eviction takes next; ok is false when the
// class holds none.
func (f *Fair) Next(class int) (seq uint64, ok bool) {
	if len(f.big[class]) == 0 {
		return 0, false
	}
	g := f.big[class][0]
	for len(g.final) > 0 {
		if f.live(g, g.final[0], true) {
			return g.final[0], true
		}
		g.final = g.final[1:]
	}
	return g.seqs[0], true // mend keeps a live one at the top
}

// live reports whether seq is an item of g (a final one, if final).
func (f *Fair) live(g *fairGroup, seq uint64, final bool) bool {
	it := f.items[seq]
	return it != nil && it.g == g && (!final || it.final)
}

// mend drops g's stale items from the top of its heap, compacts what it
// holds when stale ones outnumber live ones, and puts g in its place.
func (f *Fair) mend(g *fairGroup) {
	for len(g.seqs) > 0 && !f.live(g, g.seqs[0], false) {
		heap.Pop(&g.seqs)
	}
	if len(g.seqs) > 2*g.n+64 {
		live := make(seqHeap, 0, g.n)
		for _, s := range g.seqs {
			if f.live(g, s, false) {
				live = append(live, s)
			}
		}
		heap.Init(&live)
		g.seqs = live
	}
	if len(g.final) > 2*g.n+64 {
		live := make([]uint64, 0, g.n)
		for _, s := range g.final {
			if f.live(g, s, true) {
				live = append(live, s)
			}
		}
		g.final = live
	}
	heap.Fix(&f.big[g.key.class], g.i)
}

// seqHeap is a min-heap of sequence numbers.
type seqHeap []uint64

func (h seqHeap) Len() int           { return len(h) }
func (h seqHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h seqHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *seqHeap) Push(x any)        { *h = append(*h, x.(uint64)) }
func (h *seqHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// groupHeap holds a class's groups, the one to evict from at the top: the
// most items, then the oldest item.
type groupHeap []*fairGroup

func (h groupHeap) Len() int { return len(h) }
func (h groupHeap) Less(i, j int) bool {
	if h[i].n != h[j].n {
		return h[i].n > h[j].n
	}
	return h[i].seqs[0] < h[j].seqs[0]
}
func (h groupHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].i = i; h[j].i = j }
func (h *groupHeap) Push(x any) {
	g := x.(*fairGroup)
	g.i = len(*h)
	*h = append(*h, g)
}
func (h *groupHeap) Pop() any {
	old := *h
	g := old[len(old)-1]
	*h = old[:len(old)-1]
	return g
}
