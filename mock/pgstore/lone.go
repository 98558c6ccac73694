package pgstore

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// lone coalesces writes that are one statement each (a new trade's
// insert, a read trade written back): the statements waiting while a
// batch is in flight go together in the next, one round trip for all. On
// this project's 2-core machine a round trip costs both processes more
// than the statement itself (the write that wakes the server and the
// read that waits for it).
//
// A batch is one transaction: when any statement in it fails, none of
// them took effect, so each runs again alone and gets its own outcome. A
// caller's statement is sent after the caller asked and committed before
// it is answered, as alone.
type lone struct {
	db   *DB
	mu   sync.Mutex
	next *loneFlight // collecting, not sent yet
	busy bool        // a batch in flight
}

type loneFlight struct {
	reqs []*loneReq
	done chan struct{}
}

type loneReq struct {
	sql  string
	args []any
	tag  pgconn.CommandTag
	err  error
}

// exec runs sql in the next batch and returns its own outcome.
func (l *lone) exec(ctx context.Context, sql string, args []any) (pgconn.CommandTag, error) {
	req := &loneReq{sql: sql, args: args}
	l.mu.Lock()
	if l.next == nil {
		l.next = &loneFlight{done: make(chan struct{})}
	}
	f := l.next
	f.reqs = append(f.reqs, req)
	if !l.busy {
		l.busy = true
		l.next = nil
		l.mu.Unlock()
		l.run(f)
	} else {
		l.mu.Unlock()
	}
	select {
	case <-f.done:
		return req.tag, req.err
	case <-ctx.Done():
		// Sent or not, the statement may still commit: the caller's
		// outcome is unknown, as for a statement whose answer is lost.
		return pgconn.CommandTag{}, ctx.Err()
	}
}

// run sends one batch, then the one that gathered meanwhile, if any.
func (l *lone) run(f *loneFlight) {
	for f != nil {
		l.send(f)
		close(f.done)
		l.mu.Lock()
		f, l.next = l.next, nil
		if f == nil {
			l.busy = false
		}
		l.mu.Unlock()
		if f != nil { // the waiters of the next batch: not this caller's work
			go l.run(f)
			return
		}
	}
}

// loneBatches counts the batches sent, for the benchmark's report.
var loneBatches atomic.Int64

func (l *lone) send(f *loneFlight) {
	loneBatches.Add(1)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if len(f.reqs) > 1 {
		var b pgx.Batch
		for _, q := range f.reqs {
			b.Queue(q.sql, q.args...)
		}
		res := l.db.pool.SendBatch(ctx, &b)
		failed := false
		for _, q := range f.reqs {
			q.tag, q.err = res.Exec()
			failed = failed || q.err != nil
		}
		if err := res.Close(); err != nil {
			failed = true
		}
		if !failed {
			return
		}
	}
	for _, q := range f.reqs {
		q.tag, q.err = l.db.pool.Exec(ctx, q.sql, q.args...)
	}
}
