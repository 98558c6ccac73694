package bounded_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock/bounded"
)

// item is a value with an end; the tests name values by their key.
type item struct {
	key string
	end time.Time
}

func itemEnd(v item) time.Time { return v.end }

// t0 is an explicit time: no test reads the clock.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

// keys is the sorted keys of vs, for results whose order is not promised.
func keys(vs []item) []string {
	ks := make([]string, 0, len(vs))
	for _, v := range vs {
		ks = append(ks, v.key)
	}
	slices.Sort(ks)
	return ks
}

// kept is the keys k holds, oldest first (Each from the start).
func kept(k *bounded.Map[item]) []string {
	var ks []string
	k.Each(0, func(_ uint64, v item) bool { ks = append(ks, v.key); return true })
	return ks
}

// op is one step on a Map; put with del set deletes instead.
type op struct {
	key string
	del bool
}

func put(k string) op { return op{key: k} }
func del(k string) op { return op{key: k, del: true} }

func TestPutEvictsOldestAtBound(t *testing.T) {
	for _, tc := range []struct {
		name     string
		max      int
		ops      []op
		lastGone []string // what the last op's Put returned
		want     []string // kept, oldest first
	}{
		{"under the bound nothing goes", 3, []op{put("a"), put("b"), put("c")}, nil, []string{"a", "b", "c"}},
		{"one past the bound evicts the oldest", 3, []op{put("a"), put("b"), put("c"), put("d")}, []string{"a"}, []string{"b", "c", "d"}},
		{"the next one evicts the next oldest", 3, []op{put("a"), put("b"), put("c"), put("d"), put("e")}, []string{"b"}, []string{"c", "d", "e"}},
		{"putting a kept key again keeps its position and evicts nothing", 3,
			[]op{put("a"), put("b"), put("c"), put("a")}, nil, []string{"a", "b", "c"}},
		{"a kept key put again is still the oldest to go", 3,
			[]op{put("a"), put("b"), put("c"), put("a"), put("d")}, []string{"a"}, []string{"b", "c", "d"}},
		{"a deleted key leaves room", 3, []op{put("a"), put("b"), put("c"), del("a"), put("d")}, nil, []string{"b", "c", "d"}},
		{"del then put of the same key goes last", 3,
			[]op{put("a"), put("b"), put("c"), del("a"), put("a")}, nil, []string{"b", "c", "a"}},
		{"del then put: the key is no longer the oldest to go", 3,
			[]op{put("a"), put("b"), put("c"), del("a"), put("a"), put("d")}, []string{"b"}, []string{"c", "a", "d"}},
		{"a bound of one keeps the newest", 1, []op{put("a"), put("b")}, []string{"a"}, []string{"b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := bounded.New[item](tc.max)
			var gone []item
			for _, o := range tc.ops {
				if o.del {
					k.Del(o.key)
					gone = nil
					continue
				}
				gone = k.Put(o.key, item{key: o.key})
			}
			if got := keys(gone); !slices.Equal(got, tc.lastGone) {
				t.Errorf("last Put returned %v, want %v", got, tc.lastGone)
			}
			if got := kept(&k); !slices.Equal(got, tc.want) {
				t.Errorf("kept %v, want %v", got, tc.want)
			}
			if k.Len() != len(tc.want) {
				t.Errorf("Len = %d, want %d", k.Len(), len(tc.want))
			}
			for _, key := range tc.want {
				if v, ok := k.Get(key); !ok || v.key != key {
					t.Errorf("Get(%q) = %v, %v; want it kept", key, v, ok)
				}
				if k.Seq(key) == 0 {
					t.Errorf("Seq(%q) = 0 for a kept key", key)
				}
			}
			for _, key := range tc.lastGone {
				if _, ok := k.Get(key); ok {
					t.Errorf("Get(%q) found an evicted key", key)
				}
				if s := k.Seq(key); s != 0 {
					t.Errorf("Seq(%q) = %d for an evicted key, want 0", key, s)
				}
			}
		})
	}
}

func TestPutReplacesValueInPlace(t *testing.T) {
	k := bounded.New[item](2)
	k.Put("a", item{key: "a", end: at(1)})
	k.Put("b", item{key: "b"})
	seq := k.Seq("a")
	if gone := k.Put("a", item{key: "a", end: at(2)}); len(gone) != 0 {
		t.Fatalf("Put of a kept key returned %v", gone)
	}
	if v, _ := k.Get("a"); !v.end.Equal(at(2)) {
		t.Errorf("Get(a) = %v, want the new value", v)
	}
	if k.Seq("a") != seq {
		t.Errorf("Seq(a) moved from %d to %d", seq, k.Seq("a"))
	}
}

func TestSeqFollowsArrival(t *testing.T) {
	k := bounded.New[item](10)
	for _, key := range []string{"a", "b", "c"} {
		k.Put(key, item{key: key})
	}
	if !(0 < k.Seq("a") && k.Seq("a") < k.Seq("b") && k.Seq("b") < k.Seq("c")) {
		t.Fatalf("positions a=%d b=%d c=%d not in arrival order", k.Seq("a"), k.Seq("b"), k.Seq("c"))
	}
	old := k.Seq("a")
	k.Del("a")
	if k.Seq("a") != 0 {
		t.Errorf("Seq after Del = %d, want 0", k.Seq("a"))
	}
	if _, ok := k.Get("a"); ok {
		t.Error("Get found a deleted key")
	}
	k.Put("a", item{key: "a"})
	if s := k.Seq("a"); s <= k.Seq("c") || s == old {
		t.Errorf("Seq(a) after Del and Put = %d, want a new one after c's %d", s, k.Seq("c"))
	}
}

func TestEach(t *testing.T) {
	k := bounded.New[item](10)
	for _, key := range []string{"a", "b", "c", "d", "e"} {
		k.Put(key, item{key: key})
	}
	k.Del("c")
	seq := func(key string) uint64 { return k.Seq(key) }
	last := k.Seq("e")
	for _, tc := range []struct {
		name  string
		after uint64
		limit int // f returns false once it has seen limit entries; 0: never
		want  []string
	}{
		{"from the start, oldest first, deleted ones skipped", 0, 0, []string{"a", "b", "d", "e"}},
		{"after a position: the ones after it", seq("a"), 0, []string{"b", "d", "e"}},
		{"after a deleted key's position", seq("b") + 1, 0, []string{"d", "e"}},
		{"after the last: nothing", last, 0, nil},
		{"f returning false stops", 0, 2, []string{"a", "b"}},
		{"a page after a cursor", seq("b"), 1, []string{"d"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var seqs []uint64
			k.Each(tc.after, func(s uint64, v item) bool {
				got = append(got, v.key)
				seqs = append(seqs, s)
				return tc.limit == 0 || len(got) < tc.limit
			})
			if !slices.Equal(got, tc.want) {
				t.Errorf("Each(%d) = %v, want %v", tc.after, got, tc.want)
			}
			for i, s := range seqs {
				if s <= tc.after || s != k.Seq(got[i]) {
					t.Errorf("Each gave %q position %d, want its Seq %d after %d", got[i], s, k.Seq(got[i]), tc.after)
				}
			}
		})
	}
}

func TestEachPagesWithCursor(t *testing.T) {
	k := bounded.New[item](100)
	var want []string
	for i := range 10 {
		key := fmt.Sprintf("k%02d", i)
		k.Put(key, item{key: key})
		want = append(want, key)
	}
	var got []string
	var cursor uint64
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging did not end")
		}
		var page []string
		k.Each(cursor, func(s uint64, v item) bool {
			page = append(page, v.key)
			cursor = s
			return len(page) < 3
		})
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages gave %v, want %v", got, want)
	}
}

func TestExpire(t *testing.T) {
	for _, tc := range []struct {
		name string
		puts []item // in order; a repeated key moves its end
		dels []string
		now  time.Time
		gone []string
		want []string // kept, oldest first
	}{
		{"nothing has ended", []item{{"a", at(10)}, {"b", at(20)}}, nil, at(9), nil, []string{"a", "b"}},
		{"an end at now has come", []item{{"a", at(10)}, {"b", at(20)}}, nil, at(10), []string{"a"}, []string{"b"}},
		{"all ended", []item{{"a", at(10)}, {"b", at(20)}}, nil, at(20), []string{"a", "b"}, nil},
		{"wherever it stands: a newer entry ending first goes", []item{{"a", at(30)}, {"b", at(10)}, {"c", at(20)}}, nil, at(15),
			[]string{"b"}, []string{"a", "c"}},
		{"an end moved earlier by Put", []item{{"a", at(30)}, {"b", at(40)}, {"a", at(5)}}, nil, at(5), []string{"a"}, []string{"b"}},
		{"an end moved later by Put", []item{{"a", at(10)}, {"b", at(40)}, {"a", at(30)}}, nil, at(20), nil, []string{"a", "b"}},
		{"an end moved later by Put, then come", []item{{"a", at(10)}, {"b", at(40)}, {"a", at(30)}}, nil, at(30), []string{"a"}, []string{"b"}},
		{"a deleted entry is not returned", []item{{"a", at(10)}, {"b", at(20)}}, []string{"a"}, at(20), []string{"b"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := bounded.NewUntil(10, itemEnd)
			for _, v := range tc.puts {
				k.Put(v.key, v)
			}
			for _, key := range tc.dels {
				k.Del(key)
			}
			if got := keys(k.Expire(tc.now)); !slices.Equal(got, tc.gone) {
				t.Errorf("Expire returned %v, want %v", got, tc.gone)
			}
			if got := kept(&k); !slices.Equal(got, tc.want) {
				t.Errorf("kept %v, want %v", got, tc.want)
			}
			if k.Len() != len(tc.want) {
				t.Errorf("Len = %d, want %d", k.Len(), len(tc.want))
			}
			for _, key := range tc.gone {
				if _, ok := k.Get(key); ok || k.Seq(key) != 0 {
					t.Errorf("%q expired but still kept", key)
				}
			}
			if again := k.Expire(tc.now); len(again) != 0 {
				t.Errorf("a second Expire at the same time returned %v", keys(again))
			}
		})
	}
}

func TestExpireKeepsKeyThatCameAgain(t *testing.T) {
	k := bounded.NewUntil(10, itemEnd)
	k.Put("a", item{"a", at(1)})
	k.Del("a")
	k.Put("a", item{"a", at(10)})
	if gone := k.Expire(at(5)); len(gone) != 0 {
		t.Fatalf("Expire(5) returned %v; the key's end now is 10", keys(gone))
	}
	if _, ok := k.Get("a"); !ok {
		t.Fatal("a came again with a later end and went at the old one")
	}
	if gone := keys(k.Expire(at(10))); !slices.Equal(gone, []string{"a"}) {
		t.Fatalf("Expire(10) returned %v, want [a]", gone)
	}
}

func TestNewNeverExpires(t *testing.T) {
	k := bounded.New[item](10)
	k.Put("a", item{"a", at(1)})
	if gone := k.Expire(at(100)); len(gone) != 0 {
		t.Fatalf("a Map without ends expired %v", keys(gone))
	}
	if k.Len() != 1 {
		t.Fatalf("Len = %d, want 1", k.Len())
	}
}

func TestAddSettle(t *testing.T) {
	k := bounded.New[item](3)
	// Positions given out of order, past the bound: Add does not evict.
	for _, a := range []struct {
		key string
		seq uint64
	}{{"e", 50}, {"b", 20}, {"d", 40}, {"a", 10}, {"c", 30}} {
		k.Add(a.key, item{key: a.key}, a.seq)
		if k.Seq(a.key) != a.seq {
			t.Errorf("Seq(%q) = %d, want the given %d", a.key, k.Seq(a.key), a.seq)
		}
	}
	if k.Len() != 5 {
		t.Fatalf("Len after Adds = %d, want 5 (Add does not evict)", k.Len())
	}
	if gone := keys(k.Settle()); !slices.Equal(gone, []string{"a", "b"}) {
		t.Errorf("Settle returned %v, want the two oldest [a b]", gone)
	}
	if got := kept(&k); !slices.Equal(got, []string{"c", "d", "e"}) {
		t.Errorf("kept %v after Settle, want [c d e]", got)
	}
	k.Add("f", item{key: "f"}, 0)
	if k.Seq("f") <= 50 {
		t.Errorf("Add with 0 gave position %d, want a new one after 50", k.Seq("f"))
	}
}

func TestEmpty(t *testing.T) {
	k := bounded.NewUntil(2, itemEnd)
	k.Put("a", item{"a", at(10)})
	k.Put("b", item{"b", at(20)})
	e := k.Empty()
	if e.Len() != 0 {
		t.Fatalf("Empty().Len() = %d", e.Len())
	}
	if n, s, f := e.Held(); n != 0 || s != 0 || f != 0 {
		t.Fatalf("Empty().Held() = %d, %d, %d; want nothing", n, s, f)
	}
	e.Put("c", item{"c", at(30)})
	if e.Seq("c") <= k.Seq("b") {
		t.Errorf("first position in Empty() = %d, want one after k's %d", e.Seq("c"), k.Seq("b"))
	}
	// k's bound.
	e.Put("d", item{"d", at(40)})
	if gone := keys(e.Put("x", item{"x", at(50)})); !slices.Equal(gone, []string{"c"}) {
		t.Errorf("Put past Empty()'s bound returned %v, want [c]", gone)
	}
	// k's ends.
	if gone := keys(e.Expire(at(40))); !slices.Equal(gone, []string{"d"}) {
		t.Errorf("Empty().Expire(40) returned %v, want [d]", gone)
	}
}

func TestHeld(t *testing.T) {
	k := bounded.NewUntil(1000, itemEnd)
	if n, s, f := k.Held(); n != 0 || s != 0 || f != 0 {
		t.Fatalf("new Held() = %d, %d, %d", n, s, f)
	}
	for _, key := range []string{"a", "b", "c"} {
		k.Put(key, item{key, at(1000)})
	}
	if n, s, f := k.Held(); n != 3 || s != 3 || f != 3 {
		t.Fatalf("Held() = %d, %d, %d; want 3 each", n, s, f)
	}
	within := func(step string) {
		t.Helper()
		n, s, f := k.Held()
		if n != k.Len() {
			t.Fatalf("%s: Held entries %d, Len %d", step, n, k.Len())
		}
		if s > 2*n+64 || f > 2*n+64 {
			t.Fatalf("%s: Held() = %d, %d, %d; stale ones past twice the entries and 64", step, n, s, f)
		}
	}
	// An end moved over and over: filings stay within the bound.
	for i := range 1000 {
		k.Put("a", item{"a", at(1000 + i)})
		within(fmt.Sprintf("end move %d", i))
	}
	// Keys going and coming again: slots and filings stay within the bound.
	for i := range 1000 {
		k.Del("b")
		k.Put("b", item{"b", at(2000 + i)})
		within(fmt.Sprintf("del and put %d", i))
	}
	// Entries expiring and new ones coming.
	for i := range 1000 {
		key := fmt.Sprintf("e%d", i)
		k.Put(key, item{key, at(i)})
		k.Expire(at(i))
		within(fmt.Sprintf("expire %d", i))
	}
}

// groupOf is an item's group: its key's first letter.
func groupOf(v item) string { return v.key[:1] }

func TestGroupedEvictsTheLargestGroupsOldest(t *testing.T) {
	for _, tc := range []struct {
		name string
		max  int
		ops  []op
		gone []string // what the ops' Puts returned, in turn
		want []string // kept, oldest first
	}{
		{"a flood by one group evicts its own, not the oldest overall", 3,
			[]op{put("b1"), put("a1"), put("a2"), put("a3"), put("a4"), put("a5")},
			[]string{"a1", "a2", "a3"}, []string{"b1", "a4", "a5"}},
		{"groups as large: the oldest of their oldest goes", 3,
			[]op{put("a1"), put("b1"), put("c1"), put("d1")}, []string{"a1"}, []string{"b1", "c1", "d1"}},
		{"the group grown largest goes next", 3,
			[]op{put("a1"), put("b1"), put("c1"), put("c2")}, []string{"c1"}, []string{"a1", "b1", "c2"}},
		{"a deletion shrinks its group", 4,
			[]op{put("a1"), put("a2"), put("b1"), put("b2"), del("b1"), put("c1"), put("c2")},
			[]string{"a1"}, []string{"a2", "b2", "c1", "c2"}},
		{"a key put again keeps its place in its group", 3,
			[]op{put("a1"), put("a2"), put("b1"), put("a1"), put("a3")}, []string{"a1"}, []string{"a2", "b1", "a3"}},
		{"a key that came again is its group's newest", 3,
			[]op{put("a1"), put("a2"), del("a1"), put("a1"), put("b1"), put("a3")}, []string{"a2"}, []string{"a1", "b1", "a3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := bounded.Grouped(bounded.New[item](tc.max), groupOf)
			var gone []string
			for _, o := range tc.ops {
				if o.del {
					k.Del(o.key)
					continue
				}
				for _, v := range k.Put(o.key, item{key: o.key}) {
					gone = append(gone, v.key)
				}
			}
			if !slices.Equal(gone, tc.gone) {
				t.Errorf("evicted %v, want %v", gone, tc.gone)
			}
			if got := kept(&k); !slices.Equal(got, tc.want) {
				t.Errorf("kept %v, want %v", got, tc.want)
			}
		})
	}
}

func TestGroupedCountsWhatExpireAndDelDrop(t *testing.T) {
	k := bounded.Grouped(bounded.NewUntil(4, itemEnd), groupOf)
	for _, v := range []item{{"a1", at(1)}, {"a2", at(2)}, {"a3", at(30)}, {"b1", at(40)}} {
		k.Put(v.key, v)
	}
	if gone := keys(k.Expire(at(1))); !slices.Equal(gone, []string{"a1"}) {
		t.Fatalf("Expire(1) = %v", gone)
	}
	k.Del("a2")
	// a3 and b1: one each; b2, b3 make b the largest.
	k.Put("b2", item{"b2", at(50)})
	k.Put("b3", item{"b3", at(50)})
	if gone := keys(k.Put("c1", item{"c1", at(60)})); !slices.Equal(gone, []string{"b1"}) {
		t.Fatalf("Put past the bound evicted %v, want b's oldest [b1]", gone)
	}
	k.Del("a3")
	k.Put("c2", item{"c2", at(60)})
	// b2 b3 c1 c2: as large; b's oldest is the oldest.
	if gone := keys(k.Put("d1", item{"d1", at(60)})); !slices.Equal(gone, []string{"b2"}) {
		t.Fatalf("Put past the bound evicted %v, want [b2]", gone)
	}
	if got := kept(&k); !slices.Equal(got, []string{"b3", "c1", "c2", "d1"}) {
		t.Fatalf("kept %v", got)
	}
}

func TestGroupedAddSettleAndEmpty(t *testing.T) {
	k := bounded.Grouped(bounded.New[item](3), groupOf)
	k.Put("z", item{key: "z"})
	e := k.Empty()
	// Positions out of order: Settle evicts by them, the largest group first.
	for _, a := range []struct {
		key string
		seq uint64
	}{{"a3", 50}, {"b1", 10}, {"a1", 20}, {"a2", 40}, {"c1", 30}} {
		e.Add(a.key, item{key: a.key}, a.seq)
	}
	if gone := keys(e.Settle()); !slices.Equal(gone, []string{"a1", "a2"}) {
		t.Errorf("Settle evicted %v, want a's two oldest [a1 a2]", gone)
	}
	if got := kept(&e); !slices.Equal(got, []string{"b1", "c1", "a3"}) {
		t.Errorf("kept %v, want [b1 c1 a3]", got)
	}
	// Empty keeps the groups: the flood's own go.
	for _, key := range []string{"a4", "a5", "a6"} {
		e.Put(key, item{key: key})
	}
	if got := kept(&e); !slices.Equal(got, []string{"b1", "c1", "a6"}) {
		t.Errorf("kept %v after a's flood, want [b1 c1 a6]", got)
	}
}

func TestGroupedHeld(t *testing.T) {
	k := bounded.Grouped(bounded.NewUntil(100, itemEnd), groupOf)
	within := func(step string) {
		t.Helper()
		n, s, f := k.Held()
		if n != k.Len() || s > 4*n+64 || f > 2*n+64 {
			t.Fatalf("%s: Held() = %d, %d, %d; stale ones past twice the entries (and 64) in order and groups", step, n, s, f)
		}
	}
	for i := range 3000 {
		key := fmt.Sprintf("%c%d", 'a'+i%3, i)
		k.Put(key, item{key, at(i)})
		k.Del(fmt.Sprintf("%c%d", 'a'+(i+1)%3, i-7))
		if i%5 == 0 {
			k.Expire(at(i - 50))
		}
		within(fmt.Sprintf("step %d", i))
	}
}

// TestGroupedMatchesAModel runs random steps on a Map with groups and on a
// plain model of the rule, and compares what each evicts and keeps.
func TestGroupedMatchesAModel(t *testing.T) {
	type mentry struct {
		key string
		seq int
	}
	r := rand.New(rand.NewPCG(1, 2))
	const max = 20
	k := bounded.Grouped(bounded.New[item](max), groupOf)
	var model []mentry // by seq
	seq := 0
	for step := range 20000 {
		key := fmt.Sprintf("%c%d", 'a'+r.IntN(5), r.IntN(40))
		switch r.IntN(4) {
		case 0:
			k.Del(key)
			model = slices.DeleteFunc(model, func(e mentry) bool { return e.key == key })
			continue
		}
		var want []string
		if !slices.ContainsFunc(model, func(e mentry) bool { return e.key == key }) {
			seq++
			model = append(model, mentry{key, seq})
			for len(model) > max {
				count := map[string]int{}
				for _, e := range model {
					count[e.key[:1]]++
				}
				// model is by seq: the first of a largest group is the one.
				best := 0
				for i, e := range model {
					if count[e.key[:1]] > count[model[best].key[:1]] {
						best = i
					}
				}
				want = append(want, model[best].key)
				model = slices.Delete(model, best, best+1)
			}
		}
		var got []string
		for _, v := range k.Put(key, item{key: key}) {
			got = append(got, v.key)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("step %d: Put(%q) evicted %v, the model %v", step, key, got, want)
		}
		var mk []string
		for _, e := range model {
			mk = append(mk, e.key)
		}
		if ks := kept(&k); !slices.Equal(ks, mk) {
			t.Fatalf("step %d: kept %v, the model %v", step, ks, mk)
		}
	}
}

// With SpentFirst the group that loses an entry loses its spent ones
// first, soonest end first; another group's spent ones stay, however soon
// they end.
func TestSpentFirstShedsOnlyTheLargestGroupsSpentOnes(t *testing.T) {
	spent := func(v item) bool { return v.end.Before(at(100)) }
	k := bounded.SpentFirst(bounded.Grouped(bounded.NewUntil(4, itemEnd), groupOf), spent)
	k.Put("b1", item{"b1", at(10)}) // b's, spent, the soonest end of all
	k.Put("a1", item{"a1", at(200)})
	k.Put("a2", item{"a2", at(50)}) // a's spent one
	k.Put("a3", item{"a3", at(200)})
	if gone := keys(k.Put("a4", item{"a4", at(200)})); !slices.Equal(gone, []string{"a2"}) {
		t.Fatalf("Put past the bound evicted %v, want a's spent [a2]", gone)
	}
	if gone := keys(k.Put("a5", item{"a5", at(200)})); !slices.Equal(gone, []string{"a1"}) {
		t.Fatalf("Put past the bound evicted %v, want a's oldest [a1]", gone)
	}
	for range 100 { // filings by end stay within twice the entries
		k.Put("a5", item{"a5", at(200)})
		k.Queue("a5")
	}
	if n, _, f := k.Held(); f > 2*n+64+2*n {
		t.Fatalf("Held() = %d entries, %d filings", n, f)
	}
}
