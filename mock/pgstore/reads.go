package pgstore

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"sync/atomic"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jackc/pgx/v5"
)

// reads coalesces lock-free reads (queries, pages, the control API's Get)
// into batches: one round trip carries every distinct read that is
// waiting, and identical reads share one statement. A read only ever joins
// a batch that has not been sent yet, so the statement that answers it
// starts after the read was asked for: it sees every write committed
// before, on any replica (a buyer pays through replica A, the merchant's
// query on replica B sees TRADE_SUCCESS).
type reads struct {
	db *DB
	g  gather[*readReq]
}

func newReads(db *DB) *reads {
	r := &reads{db: db}
	r.g.send = r.send
	return r
}

type readReq struct {
	sql  string
	args []any
	rows []rawRow
	err  error
}

// rawRow is a versioned row as the database sent it.
type rawRow struct {
	key     string
	version int64
	data    []byte
}

// readKey names a read by its statement and every argument, each with its
// type and, for strings, its length, so two different reads never share a
// statement. Strings, what every read sends, are written without fmt.
func readKey(sql string, args []any) string {
	n := len(sql)
	for _, a := range args {
		if s, ok := a.(string); ok {
			n += len(s) + 8
		} else {
			n += 32
		}
	}
	b := make([]byte, 0, n)
	b = append(b, sql...)
	for _, a := range args {
		b = append(b, 0)
		if s, ok := a.(string); ok {
			b = append(b, 's')
			b = strconv.AppendInt(b, int64(len(s)), 10)
			b = append(b, ':')
			b = append(b, s...)
		} else {
			b = fmt.Appendf(b, "%T%q", a, fmt.Sprint(a))
		}
	}
	return string(b)
}

// unstorable reports an argument PostgreSQL's text cannot hold (a NUL
// byte, invalid UTF-8): no stored row can match it, and sent, it would fail.
func unstorable(args []any) bool {
	for _, a := range args {
		if s, ok := a.(string); ok && noRowHolds(s) {
			return true
		}
	}
	return false
}

// get runs sql (which selects key, version, data) in the next batch.
func (r *reads) get(ctx context.Context, sql string, args []any) ([]rawRow, error) {
	if unstorable(args) {
		return nil, nil
	}
	req, done := r.g.join(readKey(sql, args), func() *readReq { return &readReq{sql: sql, args: args} })
	select {
	case <-done:
		return req.rows, req.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// readBatches counts the batches sent, for the benchmark's report.
var readBatches atomic.Int64

func (r *reads) send(reqs []*readReq) {
	readBatches.Add(1)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if len(reqs) == 1 {
		q := reqs[0]
		q.rows, q.err = r.one(ctx, q)
		return
	}
	var batch pgx.Batch
	for _, q := range reqs {
		batch.Queue(q.sql, q.args...)
	}
	res := r.db.pool.SendBatch(ctx, &batch)
	for _, q := range reqs {
		rows, err := res.Query()
		if err == nil {
			q.rows, err = scanRaw(rows)
		}
		q.err = err
	}
	_ = res.Close() // a failed statement's error is its read's
	// A batch is one transaction: after a statement fails, the rest fail
	// with it. Each failed read runs again alone, so one bad read fails
	// only itself.
	for _, q := range reqs {
		if q.err != nil {
			q.rows, q.err = r.one(ctx, q)
		}
	}
}

// one runs one read on its own.
func (r *reads) one(ctx context.Context, q *readReq) ([]rawRow, error) {
	rows, err := r.db.pool.Query(ctx, q.sql, q.args...)
	if err != nil {
		return nil, err
	}
	return scanRaw(rows)
}

func scanRaw(rows pgx.Rows) ([]rawRow, error) {
	defer rows.Close()
	var out []rawRow
	for rows.Next() {
		var w rawRow
		if err := rows.Scan(&w.key, &w.version, &w.data); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// decoded keeps the decoded value of recently read rows, by key and the
// exact bytes stored, so a row read again unchanged is not decoded again
// (a query repeated while a merchant polls); copy makes the caller's own
// copy of a kept value. The bytes, not the version, are compared: a key
// deleted by a reset and made again starts at version 1 again.
type decoded[T any] struct {
	cache *lru.Cache[string, decodedRow[T]]
	copy  func(T) T
}

type decodedRow[T any] struct {
	data []byte
	v    T
}

func newDecoded[T any](size int, copy func(T) T) *decoded[T] {
	c, _ := lru.New[string, decodedRow[T]](size)
	return &decoded[T]{cache: c, copy: copy}
}

func (d *decoded[T]) decode(w rawRow, decode func([]byte) (T, error)) (T, error) {
	if v, ok := d.cache.Get(w.key); ok && bytes.Equal(v.data, w.data) {
		return d.copy(v.v), nil
	}
	v, err := decode(w.data)
	if err != nil {
		return v, err
	}
	d.cache.Add(w.key, decodedRow[T]{w.data, d.copy(v)})
	return v, nil
}
