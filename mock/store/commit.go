package store

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Group commit. Changes are queued, in the order their owners make them
// (each book queues under its own lock), and one writer goroutine writes
// everything queued so far as one frame of the write-ahead log (one append
// and one fdatasync: wal.go), while the next changes queue behind it. Whoever must not answer before a
// change is on disk waits for its batch, outside any lock of its own, so
// many callers share one commit and a book's lock is never held across one.
//
// Order: batches are written one after another in queue order, and inside
// a batch a later change of a key replaces an earlier one, so the last
// state queued for a record is the one on disk, and a batch that is
// acknowledged has every earlier batch on disk too. Checkpoints move the
// log's changes into bbolt in the same order.

// gatherMax bounds the wait for more changes before a batch is written
// while several callers are writing.
const gatherMax = 4 * time.Millisecond

// ErrClosed is the answer to a change queued after Close.
var ErrClosed = errors.New("the data file is closed")

// op is one change of a batch: a put (enc makes the value; nil deletes
// the key) or, when fn is set, a change of a whole bucket.
type op struct {
	bucket []byte
	key    string
	enc    func() ([]byte, error)
	fn     func(tx *bolt.Tx) error
}

// batch is the changes one transaction writes.
type batch struct {
	ops     []op
	last    map[string]int // bucket and key → the newest op of that key
	waiters atomic.Int32   // writers that waited for it
	calls   int            // queue calls that added to it (under the committer's lock)
	whole   bool           // it holds a whole-bucket change (op.fn)
	done    chan struct{}  // closed when written (or failed)
	err     error
}

func (b *batch) wait(c *committer) error {
	b.waiters.Add(1)
	c.waiting.Add(1)
	<-b.done
	c.waiting.Add(-1)
	return b.err
}

// committer is the queue and its one writer.
type committer struct {
	mu       sync.Mutex
	open     *batch // collecting changes; nil when none is queued
	flying   *batch // being written
	closed   bool
	kick     chan struct{}
	finished chan struct{}
	stats    Stats
	waiting  atomic.Int64 // writers waiting for their batch now
	gate     sync.Mutex   // held while a batch is written, and by Pause
	written  func()       // AfterEachBatch's; under mu
}

// Stats count what the writer did.
type Stats struct {
	Batches     int64         // batches written (one commit to disk each: a log append, or a checkpoint)
	Checkpoints int64         // bbolt transactions that wrote the log's changes
	Changes     int64         // changes queued
	Busy        time.Duration // time spent writing batches
	Waiting     int64         // writers waiting for their batch now (not a count so far)
}

// Stats are the writer's counts so far.
func (db *DB) Stats() Stats {
	db.c.mu.Lock()
	defer db.c.mu.Unlock()
	st := db.c.stats
	st.Waiting = db.c.waiting.Load()
	return st
}

// Pause holds the writer back until resume is called: the batch being
// written finishes, changes keep queueing, and whoever waits for one
// keeps waiting. Tests use it to show that nothing is answered before its
// change is on disk.
func (db *DB) Pause() (resume func()) {
	db.c.gate.Lock()
	var once sync.Once
	return func() { once.Do(db.c.gate.Unlock) }
}

// AfterEachBatch makes the writer call f (nil: nothing) after each batch
// is on disk, before its writers are released, with the writer held: the
// files are then as a crash after that batch would leave them. Tests copy
// them there, to start a mock on what a crash at each point between two
// commits leaves.
func (db *DB) AfterEachBatch(f func()) {
	db.c.mu.Lock()
	defer db.c.mu.Unlock()
	db.c.written = f
}

func (db *DB) startCommitter() {
	db.c = &committer{kick: make(chan struct{}, 1), finished: make(chan struct{})}
	go db.writer()
}

// queue adds changes to the open batch and returns a wait for it. A nil
// wait is never returned: after Close it answers ErrClosed.
func (db *DB) queue(ops ...op) func() error {
	wait, err := db.enqueue(true, ops...)
	if err != nil {
		return func() error { return err }
	}
	return wait
}

// enqueue is queue telling at once a change that cannot be queued (after
// Close). Without kick the writer is not woken: the changes ride with the
// next batch anyone asks for, or are written when their wait (or a Sync)
// is called.
func (db *DB) enqueue(kick bool, ops ...op) (func() error, error) {
	if len(ops) == 0 {
		return db.Sync, nil // nothing to write: wait for what is queued
	}
	c := db.c
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		what := "a change"
		if len(ops) > 0 && ops[0].fn == nil {
			what = string(ops[0].bucket) + "/" + ops[0].key
		}
		return nil, db.failed(fmt.Errorf("%s not stored: %w", what, ErrClosed))
	}
	b := c.open
	if b == nil {
		b = &batch{last: map[string]int{}, done: make(chan struct{})}
		c.open = b
	}
	for _, o := range ops {
		if o.fn == nil {
			b.last[string(o.bucket)+"\x00"+o.key] = len(b.ops)
		} else {
			b.whole = true
		}
		b.ops = append(b.ops, o)
	}
	b.calls++
	c.stats.Changes += int64(len(ops))
	c.mu.Unlock()
	if !kick {
		return func() error {
			c.wake()
			return b.wait(c)
		}, nil
	}
	c.wake()
	return func() error { return b.wait(c) }, nil
}

// wake tells the writer a batch is queued.
func (c *committer) wake() {
	select {
	case c.kick <- struct{}{}:
	default: // the writer is already told
	}
}

// Sync waits until every change queued before it is on disk, and reports
// whether the batch that held the last of them was written.
func (db *DB) Sync() error {
	c := db.c
	c.mu.Lock()
	b := c.open
	if b == nil {
		b = c.flying
	}
	c.mu.Unlock()
	if b == nil {
		return nil
	}
	c.wake() // it may hold only changes queued without waking the writer
	<-b.done // not counted as a waiter: readers and the scheduler's loop do not make a batch shared
	return b.err
}

// writer writes batches one at a time until Close, then writes what is
// still queued and stops.
func (db *DB) writer() {
	c := db.c
	defer close(c.finished)
	var shared bool        // more than one caller queued into or waited for the last batch
	var took time.Duration // how long it took to write
	tick := time.NewTicker(checkpointMaxAge / 4)
	defer tick.Stop()
	for {
		select {
		case <-c.kick:
		case <-tick.C:
			// A checkpoint of what is pending while no batch comes.
			c.gate.Lock()
			if db.log.due() {
				_ = db.failed(db.checkpoint(nil, false))
			}
			c.gate.Unlock()
			continue
		}
		if shared {
			// Callers are writing at once: give the others up to eight
			// times the last commit's time (at most gatherMax) to queue
			// theirs, so they share this commit instead of each paying
			// one (an fdatasync's CPU, much of it the kernel's and not
			// counted as ours, is most of what --data adds per request).
			// With the log a commit takes ~0.4 ms here: at twice that, 16
			// precreating clients shared 2.8 changes a commit and ran at
			// 0.83-0.85 of memory's rate, at eight times 7.4 and
			// 0.91-0.94 (BenchmarkPrecreateData on a quiet VM,
			// docs/persistence.md). A lone caller never waits here.
			time.Sleep(min(gatherMax, 8*took))
		}
		c.gate.Lock() // not while paused
		c.mu.Lock()
		b, closed := c.open, c.closed
		c.open, c.flying = nil, b
		c.mu.Unlock()
		if b != nil {
			start := time.Now()
			b.err = db.failed(db.commit(b)) // wal.go
			took = time.Since(start)
			// Shared: several callers queued into it, or waited for it (a
			// caller that signs its answer while the batch is written
			// waits only after, often once the batch is done).
			shared = b.calls > 1 || b.waiters.Load() > 1
			c.mu.Lock()
			c.flying = nil
			c.stats.Batches++
			c.stats.Busy += took
			written := c.written
			c.mu.Unlock()
			if written != nil && b.err == nil {
				written()
			}
			close(b.done)
		}
		if closed || db.log.due() {
			// After the batch's callers are released: the next batch
			// waits for it instead.
			_ = db.failed(db.checkpoint(nil, closed))
		}
		c.gate.Unlock()
		if closed {
			return
		}
	}
}

// apply writes a batch's changes in order, skipping those a later change
// of the same key replaces.
func (b *batch) apply(tx *bolt.Tx) error {
	for i, o := range b.ops {
		if o.fn != nil {
			if err := o.fn(tx); err != nil {
				return err
			}
			continue
		}
		if b.last[string(o.bucket)+"\x00"+o.key] != i {
			continue
		}
		bk := tx.Bucket(o.bucket)
		if o.enc == nil {
			if err := bk.Delete([]byte(o.key)); err != nil {
				return err
			}
			continue
		}
		v, err := o.enc()
		if err != nil {
			return err
		}
		if err := bk.Put([]byte(o.key), v); err != nil {
			return err
		}
	}
	return nil
}

// closeCommitter writes what is queued and stops the writer.
func (db *DB) closeCommitter() {
	c := db.c
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		<-c.finished
		return
	}
	c.closed = true
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
	}
	<-c.finished
}
