package pgstore

import (
	"context"
	"fmt"
	"strings"
)

// pageQuery is select (whose columns are key, data, seq) narrowed to app
// and status when they are given, after (or, newest first, before) the
// position at (0: from the start), at most limit rows (0: all). With the
// indexes on (seq), (app_id, seq) and (status, seq) the database reads
// the page and what it skips for the other filter, not the table.
func pageQuery(sel, app, status string, at uint64, limit int, newest bool) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if app != "" {
		conds = append(conds, "app_id = "+arg(app))
	}
	if status != "" {
		conds = append(conds, "status = "+arg(status))
	}
	order := " ORDER BY seq"
	if newest {
		order += " DESC"
		if at != 0 {
			conds = append(conds, "seq < "+arg(int64(at)))
		}
	} else {
		conds = append(conds, "seq > "+arg(int64(at)))
	}
	q := sel
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	q += order
	if limit > 0 {
		q += " LIMIT " + arg(limit)
	}
	return q, args
}

// readPage runs a page's query and decodes its rows, with each row's
// position.
func readPage[T any](db *DB, q string, args []any, what string, decode func([]byte) (T, error)) ([]T, []uint64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, nil, db.failed(err)
	}
	defer rows.Close()
	var out []T
	var pos []uint64
	for rows.Next() {
		var key string
		var data []byte
		var seq int64
		if err := rows.Scan(&key, &data, &seq); err != nil {
			return nil, nil, db.failed(err)
		}
		v, err := decode(data)
		if err != nil {
			return nil, nil, db.failed(fmt.Errorf("%s %s: %w", what, key, err))
		}
		out = append(out, v)
		pos = append(pos, uint64(seq))
	}
	return out, pos, db.failed(rows.Err())
}

const countsQuery = `SELECT kind, status, sum(n) FROM alipay_mock_counts
	WHERE kind = ANY($1) GROUP BY kind, status HAVING sum(n) <> 0`

// counts reads the counters the tables' triggers keep for kinds (see
// counter): a sum over a few rows per status.
func (db *DB) counts(kind string, f func(kind, status string, n int)) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	rows, err := db.pool.Query(ctx, countsQuery, strings.Split(kind, ","))
	if err != nil {
		return db.failed(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, s string
		var n int64
		if err := rows.Scan(&k, &s, &n); err != nil {
			return db.failed(err)
		}
		f(k, s, int(n))
	}
	return db.failed(rows.Err())
}
