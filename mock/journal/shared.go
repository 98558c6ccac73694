package journal

import (
	"fmt"
	"sync/atomic"
	"time"
)

// Store keeps a journal that several mock processes (replicas) share
// (pgstore, --store): one bounded table, newest entries kept, ids given by
// the store in the order entries were written.
type Store interface {
	// AppendJournal writes entries (each already bounded, with Bytes set).
	AppendJournal(es []Entry) error
	// TrimJournal drops the oldest entries beyond o's bounds.
	TrimJournal(o Options) error
	// JournalPage, JournalCount, JournalEntry and JournalStats read as
	// Page, Count, Get and Stats do.
	JournalPage(f Filter) ([]Entry, int, error)
	JournalCount(f Filter) (int, error)
	JournalEntry(id int) (Entry, bool, error)
	JournalStats() (Stats, error)
	// ClearJournal deletes one app's entries, or all.
	ClearJournal(app string) error
}

// writeBatch bounds how many entries one write carries; gatherFor is how
// long the writer waits for more after the first (entries reach other
// replicas that much later, and the database sees a statement per
// gatherFor instead of one per request or two).
const (
	writeBatch = 256
	gatherFor  = 20 * time.Millisecond
)

// flushWait bounds how long a read waits for this process's entries to be
// written before it reads without them.
const flushWait = 5 * time.Second

// Bytes is what the entry counts against the journal's byte bound.
func (e *Entry) Bytes() int64 { return e.size }

// SetBytes sets what an entry read back from a store counts.
func (e *Entry) SetBytes(n int64) { e.size = n }

// writer carries entries to the store off the request's path: Add queues,
// one goroutine writes what is queued in one statement (group commit), so
// the cost of a request is a channel send. When the queue is full (the
// database stalls), by entries or by bytes, entries are dropped and counted
// rather than making requests wait for the database.
type writer struct {
	in       chan item
	quit     chan struct{}
	stopped  chan struct{}
	dropped  atomic.Int64 // entries not queued: the queue was full
	queued   atomic.Int64 // bytes of the entries queued or in the batch, not yet written
	maxBytes int64        // what queued may reach: a quarter of the journal's byte bound
}

// item is an entry to write, or a marker whose channel is closed once
// everything queued before it is written.
type item struct {
	e       Entry
	flushed chan struct{}
}

// Share makes the journal read and write st from now on: Add queues the
// entry for the writer, and every read first waits for this process's
// queued entries, then reads the store, so a request's entry is listed by
// the replica that served it as soon as its answer is read, and by every
// other replica once written (within one write's time). Close stops the
// writer.
func (j *Journal) Share(st Store) {
	w := &writer{in: make(chan item, 4*writeBatch), quit: make(chan struct{}), stopped: make(chan struct{})}
	j.mu.Lock()
	j.init()
	w.maxBytes = max(j.opts.MaxBytes/4, 1<<20)
	j.st, j.w = st, w
	opts := j.opts
	j.mu.Unlock()
	go w.run(st, opts)
}

// Close writes what is queued and stops the writer; later entries are
// kept in this process's memory.
func (j *Journal) Close() {
	j.mu.Lock()
	w := j.w
	j.w = nil
	j.mu.Unlock()
	if w != nil {
		close(w.quit)
		<-w.stopped
	}
}

// trimEvery is how much of a bound the writer lets in before it trims:
// trimming reads the whole table, so it is done once for every twentieth
// of the bounds written, not for every write.
const trimEvery = 20

func (w *writer) run(st Store, o Options) {
	defer close(w.stopped)
	var added, addedBytes int64
	var batch []Entry
	var marks []chan struct{}
	take := func(it item) {
		if it.flushed != nil {
			marks = append(marks, it.flushed)
		} else {
			batch = append(batch, it.e)
		}
	}
	for {
		var quit bool
		select {
		case it := <-w.in:
			take(it)
		case <-w.quit:
			quit = true
		}
		// Gather for up to gatherFor after the first entry, so that under
		// load one statement carries many; a read waiting (a marker), a
		// full batch or Close writes at once.
		timer := time.NewTimer(gatherFor)
	more:
		for len(batch) < writeBatch && len(marks) == 0 && !quit {
			select {
			case it := <-w.in:
				take(it)
			case <-w.quit:
				quit = true
			case <-timer.C:
				break more
			}
		}
		timer.Stop()
	drain:
		for len(batch) < writeBatch {
			select {
			case it := <-w.in:
				take(it)
			default:
				break drain
			}
		}
		if len(batch) > 0 {
			_ = st.AppendJournal(batch) // the store reports failures
			for i := range batch {
				added++
				addedBytes += batch[i].size
			}
			w.queued.Add(-addedBytesOf(batch))
			if added >= max(int64(o.MaxEntries)/trimEvery, 1) || addedBytes >= o.MaxBytes/trimEvery || quit {
				_ = st.TrimJournal(o)
				added, addedBytes = 0, 0
			}
		}
		for _, m := range marks {
			close(m)
		}
		clear(batch) // written: not kept alive by the reused array
		batch, marks = batch[:0], marks[:0]
		if quit && len(w.in) == 0 {
			return
		}
	}
}

// shared returns the store when the journal is shared, after this
// process's queued entries are written (or flushWait has passed).
func (j *Journal) shared() Store {
	j.mu.Lock()
	st, w := j.st, j.w
	j.mu.Unlock()
	if st == nil || w == nil {
		return nil
	}
	done := make(chan struct{})
	t := time.NewTimer(flushWait)
	defer t.Stop()
	select {
	case w.in <- item{flushed: done}:
	case <-w.stopped:
		return st
	case <-t.C:
		return st
	}
	select {
	case <-done:
	case <-w.stopped:
	case <-t.C:
	}
	return st
}

// queue hands a bounded entry to the writer; false when there is none.
func (j *Journal) queue(e Entry) bool {
	j.mu.Lock()
	w := j.w
	j.mu.Unlock()
	if w == nil {
		return false
	}
	if w.queued.Add(e.size) > w.maxBytes {
		w.queued.Add(-e.size)
		w.dropped.Add(1)
		return true
	}
	select {
	case w.in <- item{e: e}:
		return true
	case <-w.stopped:
		w.queued.Add(-e.size)
		return false
	default:
		w.queued.Add(-e.size)
		w.dropped.Add(1)
		return true
	}
}

func addedBytesOf(es []Entry) (n int64) {
	for i := range es {
		n += es[i].size
	}
	return n
}

// unreadable is a shared journal's read that failed: the store's error,
// said as such, so no caller answers an empty journal instead.
func unreadable(err error) error {
	return fmt.Errorf("the shared journal could not be read: %w", err)
}
