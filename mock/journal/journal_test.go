package journal

import (
	"strings"
	"sync/atomic"
	"testing"
)

func TestKeepsTheNewestEntries(t *testing.T) {
	j := New(Options{MaxEntries: 10})
	for i := 0; i < 15; i++ {
		app := "a"
		if i%2 == 1 {
			app = "b"
		}
		j.Add(Entry{AppID: app})
	}
	all := j.List(Filter{})
	if len(all) != 10 || all[0].ID != 15 || all[len(all)-1].ID != 6 {
		t.Fatalf("len %d, newest %d, oldest %d", len(all), all[0].ID, all[len(all)-1].ID)
	}
	if e, ok, _ := j.Get(7); !ok || e.ID != 7 {
		t.Error("get by id")
	}
	if _, ok, _ := j.Get(5); ok {
		t.Error("entry 5 fell off")
	}
	if got := j.List(Filter{AppID: "b", Limit: 3}); len(got) != 3 || got[0].ID != 14 {
		t.Errorf("filtered: %+v", got)
	}
	j.Clear("a")
	rest := j.List(Filter{})
	if len(rest) != 5 || rest[0].ID != 14 || rest[0].AppID != "b" {
		t.Fatalf("after clearing a: %d entries, newest %d", len(rest), rest[0].ID)
	}
	n := j.Add(Entry{AppID: "a"})
	if got := j.List(Filter{Limit: 1}); got[0].ID != n {
		t.Error("adding after a clear")
	}
	j.Clear("")
	if len(j.List(Filter{})) != 0 || stats(t, j).Bytes != 0 {
		t.Error("clear all")
	}
}

func TestPagesWalkEveryEntryOnce(t *testing.T) {
	var j Journal
	for i := 0; i < 25; i++ {
		j.Add(Entry{Method: "m"})
	}
	seen, before, pages := map[int]bool{}, 0, 0
	for {
		page, next, err := j.Page(Filter{Before: before, Limit: 7})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, e := range page {
			if seen[e.ID] {
				t.Fatalf("entry %d twice", e.ID)
			}
			seen[e.ID] = true
		}
		if next == 0 {
			break
		}
		before = next
	}
	if len(seen) != 25 || pages != 4 {
		t.Fatalf("%d entries in %d pages", len(seen), pages)
	}
}

func TestByteBudgetAndCutValues(t *testing.T) {
	j := New(Options{MaxBytes: MinBytes})
	huge := strings.Repeat("x", 1<<20)
	for i := 0; i < 40; i++ {
		j.Add(Entry{Method: huge, Params: map[string]string{"biz_content": huge, "app_id": "a"}, StringToSign: huge, Response: huge})
	}
	st := stats(t, j)
	if st.Bytes > MinBytes || st.Entries < 2 || st.Entries >= 40 {
		t.Fatalf("%d entries in %d bytes for a budget of %d", st.Entries, st.Bytes, MinBytes)
	}
	e := j.List(Filter{Limit: 1})[0]
	if !e.Truncated || e.OriginalSizes["params.biz_content"] != 1<<20 || e.OriginalSizes["method"] != 1<<20 ||
		len(e.Params["biz_content"]) > MaxValue+64 || len(e.Method) > maxShort+64 || e.Params["app_id"] != "a" {
		t.Fatalf("entry not cut: truncated %v, sizes %v, biz %d bytes", e.Truncated, e.OriginalSizes, len(e.Params["biz_content"]))
	}
	// Many large parameters share MaxParams between them.
	p := map[string]string{}
	for i := 0; i < 20; i++ {
		p[strings.Repeat("k", i+1)] = strings.Repeat("v", 60<<10)
	}
	e2 := bound(Entry{Params: p})
	total := 0
	for k, v := range e2.Params {
		total += len(k) + len(v)
	}
	if total > MaxParams+20*64 {
		t.Errorf("parameters keep %d bytes, over %d", total, MaxParams)
	}
	if small := bound(Entry{Method: "alipay.trade.query"}); small.Truncated || small.OriginalSizes != nil {
		t.Error("a small entry is marked truncated")
	}
}

// stalled is a shared store whose writes wait until released: the
// database stalled.
type stalled struct{ release chan struct{} }

func (s stalled) AppendJournal([]Entry) error              { <-s.release; return nil }
func (s stalled) TrimJournal(Options) error                { return nil }
func (s stalled) JournalPage(Filter) ([]Entry, int, error) { return nil, 0, nil }
func (s stalled) JournalCount(Filter) (int, error)         { return 0, nil }
func (s stalled) JournalEntry(int) (Entry, bool, error)    { return Entry{}, false, nil }
func (s stalled) JournalStats() (Stats, error)             { return Stats{}, nil }
func (s stalled) ClearJournal(string) error                { return nil }

// A stalled database never makes a request wait on the journal: past the
// writer's queue, entries are dropped and counted.
func TestSharedJournalNeverBlocksOnAStalledStore(t *testing.T) {
	st := stalled{release: make(chan struct{})}
	j := New(Options{MaxEntries: 100})
	j.Share(st)
	const n = 5000 // more than the queue and a batch hold
	done := make(chan struct{})
	go func() {
		for i := 0; i < n; i++ {
			j.Add(Entry{AppID: "a"})
		}
		close(done)
	}()
	<-done // would hang on a blocking queue
	close(st.release)
	if s := stats(t, j); s.Dropped == 0 || s.Dropped >= n {
		t.Fatalf("dropped %d of %d", s.Dropped, n)
	}
	j.Close()
}

// While the database stalls, what the writer's queue holds is bounded by
// bytes too (a quarter of MaxBytes, at least 1 MiB), not only by entries:
// 1,000 entries of ~100 KB would otherwise wait in memory.
func TestSharedJournalQueueIsBoundedByBytes(t *testing.T) {
	st := &counting{stalled: stalled{release: make(chan struct{})}}
	j := New(Options{MaxEntries: 100000, MaxBytes: 4 << 20})
	j.Share(st)
	big := strings.Repeat("v", 100<<10)
	const n = 1000
	for i := 0; i < n; i++ {
		j.Add(Entry{AppID: "a", Params: map[string]string{"biz_content": big}})
	}
	dropped := stats(t, j).Dropped
	close(st.release)
	j.Close()
	kept := st.n.Load()
	one := New(Options{}) // an entry's bytes, as the journal counts them
	one.Add(Entry{AppID: "a", Params: map[string]string{"biz_content": big}})
	if kept == 0 || kept > (1<<20)/stats(t, one).Bytes { // what 1 MiB holds, queued or in the batch being written
		t.Fatalf("%d of %d entries reached the store through a 1 MiB queue", kept, n)
	}
	if dropped != n-kept {
		t.Fatalf("dropped %d, want %d", dropped, n-kept)
	}
}

// counting is stalled, counting the entries it is given.
type counting struct {
	stalled
	n atomic.Int64
}

func (s *counting) AppendJournal(es []Entry) error {
	s.n.Add(int64(len(es)))
	return s.stalled.AppendJournal(es)
}

func stats(t *testing.T, j *Journal) Stats {
	t.Helper()
	s, err := j.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
