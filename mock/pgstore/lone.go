package pgstore

import (
	"cmp"
	"context"
	"fmt"
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
	db *DB
	g  gather[*loneReq]
}

func newLone(db *DB) *lone {
	l := &lone{db: db}
	l.g.send = l.send
	return l
}

type loneReq struct {
	ctx  context.Context // the caller's: a statement it gave up on is not sent
	sql  string
	args []any
	tag  pgconn.CommandTag
	err  error
}

// exec runs sql in the next batch and returns its own outcome.
func (l *lone) exec(ctx context.Context, sql string, args []any) (pgconn.CommandTag, error) {
	req, done := l.g.join("", func() *loneReq { return &loneReq{ctx: ctx, sql: sql, args: args} })
	select {
	case <-done:
		return req.tag, req.err
	case <-ctx.Done():
		// Sent already, the statement may still commit: the outcome is
		// unknown, as for a statement whose answer is lost.
		return pgconn.CommandTag{}, ctx.Err()
	}
}

const (
	// maxLoneBatch bounds the statements in one batch; more go in several.
	maxLoneBatch = 64
	// loneLockWait bounds a batch's wait for a lock: a batch holds every
	// statement's locks until its last one is done, so two batches, or a
	// batch and a transaction, can wait on each other where the statements
	// alone would not (PostgreSQL breaks such a deadlock only after
	// deadlock_timeout, 1 s, while every lone write waits). A batch that
	// waits longer fails, and its statements run alone.
	loneLockWait = "50ms"
)

// loneDeadlocks counts the batches PostgreSQL broke out of a deadlock,
// for a test: loneLockWait should fail them first.
var loneDeadlocks atomic.Int64

func (l *lone) send(all []*loneReq) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	reqs := make([]*loneReq, 0, len(all))
	for _, q := range all {
		if q.err = q.ctx.Err(); q.err == nil {
			reqs = append(reqs, q)
		}
	}
	for len(reqs) > 0 {
		n := min(len(reqs), maxLoneBatch)
		l.batch(ctx, reqs[:n])
		reqs = reqs[n:]
	}
}

// batch runs reqs in one round trip, or each alone when that fails.
func (l *lone) batch(ctx context.Context, reqs []*loneReq) {
	defer func() {
		if p := recover(); p != nil { // this batch's outcome unknown, as for a lost connection
			for _, q := range reqs {
				q.err = fmt.Errorf("store: %v", p)
			}
		}
	}()
	if len(reqs) > 1 {
		var b pgx.Batch
		b.Queue(`SELECT set_config('lock_timeout', '` + loneLockWait + `', true)`)
		for _, q := range reqs {
			b.Queue(q.sql, q.args...)
		}
		res := l.db.pool.SendBatch(ctx, &b)
		_, failed := res.Exec()
		for _, q := range reqs {
			var err error
			q.tag, err = res.Exec()
			failed = cmp.Or(failed, err)
		}
		failed = cmp.Or(failed, res.Close())
		if failed == nil {
			return
		}
		if deadlock(failed) {
			loneDeadlocks.Add(1)
		}
	}
	// One transaction, so none took effect: each runs again alone.
	for _, q := range reqs {
		if q.err = q.ctx.Err(); q.err == nil {
			q.tag, q.err = l.db.pool.Exec(ctx, q.sql, q.args...)
		}
	}
}
