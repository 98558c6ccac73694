package limits

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func items(l *Ledger[string], newest bool, at uint64) string {
	out := ""
	l.Walk(at, newest, func(_ uint64, v string) bool {
		out += v
		return true
	})
	return out
}

func TestLedgerOrderAndEviction(t *testing.T) {
	var l Ledger[string]
	seqs := map[string]uint64{}
	for _, v := range []string{"a", "b", "c", "d", "e"} {
		seqs[v] = l.Add(v)
	}
	l.Final(seqs["c"])
	l.Final(seqs["b"])
	l.Final(seqs["c"]) // once only
	for _, want := range []string{"c", "b", "a", "d"} {
		seq, v, ok := l.Next()
		if !ok || v != want {
			t.Fatalf("next %q, want %q", v, want)
		}
		l.Remove(seq)
	}
	if got := items(&l, false, 0); got != "e" || l.Len() != 1 {
		t.Fatalf("left %q (%d)", got, l.Len())
	}

	// A final item made pending again is not taken as final.
	f := l.Add("f")
	l.Final(f)
	l.Unfinal(f)
	if _, _, ok := l.NextFinal(); ok {
		t.Error("an unfinal item was offered as final")
	}
}

func TestLedgerWalksAndCompacts(t *testing.T) {
	var l Ledger[string]
	for i := 0; i < 500; i++ {
		l.Add(fmt.Sprint(i % 10))
	}
	// Remove every item but those ending in 7, from the middle out.
	for seq := uint64(250); seq >= 1; seq-- {
		if (seq-1)%10 != 7 {
			l.Remove(seq)
		}
	}
	for seq := uint64(251); seq <= 500; seq++ {
		if (seq-1)%10 != 7 {
			l.Remove(seq)
		}
	}
	if l.Len() != 50 || len(l.order) > 2*50+64 {
		t.Fatalf("%d live in %d slots", l.Len(), len(l.order))
	}
	n := 0
	var last uint64
	l.Each(0, func(seq uint64, v string) bool {
		if v != "7" || seq <= last {
			t.Fatalf("item %d %q after %d", seq, v, last)
		}
		last = seq
		n++
		return true
	})
	if n != 50 {
		t.Fatalf("walked %d", n)
	}
	// Newest first from a position, and a retain.
	if got := items(&l, true, 28); got != "77" { // seqs 18 and 8
		t.Errorf("newest before 28: %q", got)
	}
	l.Retain(func(string) bool { return false })
	if l.Len() != 0 || items(&l, false, 0) != "" {
		t.Error("retain none")
	}
	if seq := l.Add("x"); seq != 501 {
		t.Errorf("numbering carries on: %d", seq)
	}
}

// Restore puts numbered records back by number and unnumbered ones after
// them by creation, numbers the latter, and queues finals by when they
// became final; Evict then takes those first.
func TestLedgerRestoreAndEvict(t *testing.T) {
	type rec struct {
		seq     uint64
		id      string
		created int
		final   int // 0: not final
	}
	at := func(n int) time.Time { return time.Unix(int64(n), 0) }
	r := Record[*rec]{
		Seq:     func(x *rec) *uint64 { return &x.seq },
		Created: func(x *rec) time.Time { return at(x.created) },
		ID:      func(x *rec) string { return x.id },
		Final:   func(x *rec) (time.Time, bool) { return at(x.final), x.final != 0 },
	}
	list := []*rec{{id: "c", created: 3}, {id: "a", created: 1, final: 9}, {id: "b", created: 1, final: 5}, {id: "d", created: 4}}
	var l Ledger[*rec]
	numbered := l.Restore(list, r)
	var order []string
	for _, x := range list {
		order = append(order, fmt.Sprintf("%s%d", x.id, x.seq))
	}
	if got := strings.Join(order, " "); got != "a1 b2 c3 d4" || len(numbered) != 4 {
		t.Fatalf("restored %s, %d numbered", got, len(numbered))
	}
	var gone []string
	for _, x := range l.Evict(1, func(x *rec) { l.Remove(x.seq) }) {
		gone = append(gone, x.id)
	}
	if got := strings.Join(gone, " "); got != "b a c" || l.Len() != 1 {
		t.Fatalf("evicted %q, %d left; want b a c (finals by when they became final, then the oldest), 1 left", got, l.Len())
	}
	if out := l.Evict(0, func(x *rec) { l.Remove(x.seq) }); out != nil {
		t.Fatalf("keep 0 evicted %d", len(out))
	}
}

func TestLedgerSetGetRewrite(t *testing.T) {
	var l Ledger[int]
	a, b := l.Add(1), l.Add(2)
	l.Remove(a)
	if l.Set(a, 9) {
		t.Error("set a removed item")
	}
	if !l.Set(b, 20) {
		t.Fatal("set a filed item")
	}
	if v, ok := l.Get(b); !ok || v != 20 {
		t.Fatalf("get %d %v", v, ok)
	}
	if _, ok := l.Get(a); ok {
		t.Error("got a removed item")
	}
	c := l.Add(3)
	l.Rewrite(func(seq uint64, v int) int { return v + int(seq) })
	if v, _ := l.Get(b); v != 20+int(b) {
		t.Errorf("rewritten %d", v)
	}
	if v, _ := l.Get(c); v != 3+int(c) {
		t.Errorf("rewritten %d", v)
	}
}
