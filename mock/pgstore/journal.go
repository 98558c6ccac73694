package pgstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/mock/journal"
)

// The request journal is one table every replica writes to (in batches,
// off the requests' path: journal.Share) and reads from, newest first by
// id (keyset pages), trimmed to --journal's bounds after each write.
const journalSchema = `
CREATE SEQUENCE IF NOT EXISTS alipay_mock_journal_ids;
CREATE TABLE IF NOT EXISTS alipay_mock_journal (
	id     bigint PRIMARY KEY,
	app_id text NOT NULL,
	method text NOT NULL,
	failed boolean NOT NULL,
	size   bigint NOT NULL,
	data   bytea NOT NULL
);
ALTER TABLE alipay_mock_journal ALTER COLUMN id SET DEFAULT nextval('alipay_mock_journal_ids');
-- verified (whether the signature verified) is NULL in the rows of a build
-- older than the column: journalWhere reads those from data.
ALTER TABLE alipay_mock_journal ADD COLUMN IF NOT EXISTS verified boolean;
-- An entry (2-3 KB of JSON) is kept in its row as it is: compressing the
-- ones above 2 KB (pglz, by default) cost more of the database's time than
-- writing them. Larger ones are compressed with lz4 where the server has it.
ALTER TABLE alipay_mock_journal SET (toast_tuple_target = 8160);
DO $$ BEGIN
	EXECUTE 'ALTER TABLE alipay_mock_journal ALTER COLUMN data SET COMPRESSION lz4';
EXCEPTION WHEN OTHERS THEN NULL;
END $$;
-- The bytes kept are counted (alipay_mock_counts, kind 'journal') by every
-- statement that writes or deletes entries, so a trim applies the bound on
-- bytes only when it is exceeded: summing every entry's size read the
-- whole table, and cost the database more than writing the entries. The
-- count is made again from the table at each start (an older build wrote
-- entries without counting them) and now and then (Journal.TrimJournal).
` + journalRecount

// journalRecount makes the journal's count of bytes again from its rows,
// with writers held off.
const journalRecount = `
LOCK TABLE alipay_mock_journal IN SHARE ROW EXCLUSIVE MODE;
DELETE FROM alipay_mock_counts WHERE kind = 'journal';
INSERT INTO alipay_mock_counts (kind, status, shard, n)
	SELECT 'journal', 'bytes', 0, coalesce(sum(size), 0) FROM alipay_mock_journal;
`

// countJournal is a statement that adds what the rows of the named query
// (a data-modifying WITH of sizes, d) hold to the journal's count: -1 for
// deleted rows.
func countJournal(with string, sign string) string {
	return `WITH d AS (` + with + `)
	INSERT INTO alipay_mock_counts AS c (kind, status, shard, n)
		SELECT 'journal', 'bytes', pg_backend_pid() % 32, ` + sign + `sum(size) FROM d HAVING count(*) > 0
	ON CONFLICT (kind, status, shard) DO UPDATE SET n = c.n + EXCLUDED.n`
}

const (
	// journalTrimCount deletes the oldest entries beyond $1 whose ids are
	// above $2 (0: all; ignored when above the cut, as after the ids
	// started over), counts them out, and returns where it cut (see
	// TrimJournal).
	journalTrimCount = `WITH x AS (SELECT max(id) - $1 AS cut FROM alipay_mock_journal),
	d AS (DELETE FROM alipay_mock_journal WHERE id <= (SELECT cut FROM x)
		AND id > (SELECT CASE WHEN $2 <= cut THEN $2 ELSE 0 END FROM x) RETURNING size),
	c AS (INSERT INTO alipay_mock_counts AS c (kind, status, shard, n)
		SELECT 'journal', 'bytes', pg_backend_pid() % 32, -sum(size) FROM d HAVING count(*) > 0
		ON CONFLICT (kind, status, shard) DO UPDATE SET n = c.n + EXCLUDED.n)
	SELECT coalesce(cut, 0) FROM x`
	// journalTrimBytes deletes the oldest entries beyond $1 bytes.
	journalTrimBytes = `DELETE FROM alipay_mock_journal WHERE id <= (SELECT id FROM
		(SELECT id, sum(size) OVER (ORDER BY id DESC) AS total FROM alipay_mock_journal) w
		WHERE total > $1 ORDER BY id DESC LIMIT 1) RETURNING size`
	journalBytes = `SELECT coalesce(sum(n), 0) FROM alipay_mock_counts WHERE kind = 'journal'`
)

// Journal is the shared journal's store (journal.Store).
func (db *DB) Journal() *Journal { return &Journal{db: db} }

// Journal implements journal.Store.
type Journal struct {
	db    *DB
	trims atomic.Int64 // this replica's trims, for recountEvery
	cut   atomic.Int64 // the id this replica's last trim by count cut at
}

// recountEvery: one trim in this many makes the count of bytes again from
// the rows (see TrimJournal for the others), so a count an older build beside
// this one left wrong (it writes and deletes entries without counting them)
// is mended within a few hundred thousand entries, not only at a start.
const recountEvery = 256

// AppendJournal writes entries with ids from one sequence, in the order
// given. Entries from different replicas are in the order they were
// written, a few milliseconds after their answers.
func (j *Journal) AppendJournal(es []journal.Entry) error {
	rows := make([][]any, len(es))
	var size int64
	for i := range es {
		e := &es[i]
		// <, > and & as they are (json.Marshal writes \u003c…, six bytes
		// for one): the row's JSON is then what the entry counts (its size).
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(e); err != nil {
			return j.db.failed(err)
		}
		b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		// app_id and method are what the request sent, before any check:
		// the entry keeps them as sent (data); the columns, which list and
		// filter, take what a text column can hold.
		rows[i] = []any{textColumn(e.AppID), textColumn(e.Method), !e.Verified && e.StringToSign != "", e.Verified, e.Bytes(), b}
		size += e.Bytes()
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	// COPY, in the order given: each row's id is its column's default, the
	// sequence's next value. It costs the database less per row than an
	// INSERT … SELECT from arrays. The count of bytes moves in the same
	// transaction.
	err := pgx.BeginFunc(ctx, j.db.pool, func(tx pgx.Tx) error {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"alipay_mock_journal"}, []string{"app_id", "method", "failed", "verified", "size", "data"},
			pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, countJournal(`SELECT $1::bigint AS size`, ""), size)
		return err
	})
	return j.db.failed(err)
}

// journalByteTrims counts the trims that summed every entry's size, for a test.
var journalByteTrims atomic.Int64

// TrimJournal deletes the oldest entries beyond the bounds (by count, then
// by bytes), in one transaction.
//
// The bound on entries counts ids: entries take their ids from one
// sequence, so those within MaxEntries of the newest are at most
// MaxEntries (fewer only where a failed write left a gap). It reads only
// the rows it deletes; counting the entries kept (OFFSET) read every one,
// and cost the database more than writing them. The bound on bytes sums
// every entry's size, so it runs only when the count of bytes is over it.
func (j *Journal) TrimJournal(o journal.Options) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	// A trim by count reads only ids above where this replica last cut:
	// the deleted rows below stay in the id index until a vacuum, and a
	// scan from the lowest id read every one of them (2-7 ms a trim).
	// One trim in recountEvery reads them all, so an entry committed
	// below a cut after it was made (by another replica) goes too.
	recount := j.trims.Add(1)%recountEvery == 0
	from := j.cut.Load()
	if recount {
		from = 0
	}
	var total, cut int64
	trimmed := true // by bytes, when over the bound
	err := pgx.BeginFunc(ctx, j.db.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		// One replica trims at a time: two trimming the same rows would
		// wait on each other's row locks.
		b.Queue(`SELECT pg_advisory_xact_lock($1)`, journalTrimLock)
		b.Queue(journalTrimCount, int64(o.MaxEntries), from).QueryRow(func(r pgx.Row) error { return r.Scan(&cut) })
		b.Queue(journalBytes).QueryRow(func(r pgx.Row) error { return r.Scan(&total) })
		if err := tx.SendBatch(ctx, b).Close(); err != nil || total <= o.MaxBytes {
			return err
		}
		journalByteTrims.Add(1)
		tag, err := tx.Exec(ctx, countJournal(journalTrimBytes, "-"), o.MaxBytes)
		trimmed = tag.RowsAffected() > 0
		return err
	})
	if err == nil {
		j.cut.Store(cut)
	}
	// The count is made again when it cannot be right (below zero, or over
	// the bound with nothing beyond it), and at one trim in recountEvery.
	if err != nil || total >= 0 && trimmed && !recount {
		return j.db.failed(err)
	}
	// In a transaction of its own that takes the table lock before any
	// row lock: a count row locked first, then the table, could deadlock
	// with a writer holding the table and wanting that row.
	return j.db.failed(pgx.BeginFunc(ctx, j.db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, journalTrimLock); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, journalRecount)
		return err
	}))
}

// journalWhere is the filter of a read ($1 app, $2 method, $3 failed,
// $4 before, $5 verified). An older build's row (verified NULL) is matched
// on its bytes, not cast to jsonb, which refuses a \u0000 any parameter
// may hold: encoding/json writes "verified":true only as the entry's own
// field (every nested value is a string or a number).
const journalWhere = `($1 = '' OR app_id = $1) AND ($2 = '' OR method = $2) AND (NOT $3 OR failed) AND ($4 = 0 OR id < $4)
	AND (NOT $5 OR coalesce(verified, position('"verified":true'::bytea IN data) > 0))`

// JournalPage reads one page newest first, and the id below which the
// next page starts (0: none).
func (j *Journal) JournalPage(f journal.Filter) ([]journal.Entry, int, error) {
	if noRowHolds(f.AppID) || noRowHolds(f.Method) {
		return []journal.Entry{}, 0, nil // not cleaned into "" (every app): no row holds it
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var limit any // NULL: all
	if f.Limit > 0 {
		limit = f.Limit + 1
	}
	rows, err := j.db.pool.Query(ctx, `SELECT id, size, data FROM alipay_mock_journal WHERE `+journalWhere+`
		ORDER BY id DESC LIMIT $6`, f.AppID, f.Method, f.Failed, int64(f.Before), f.Verified, limit)
	if err != nil {
		return nil, 0, j.db.failed(err)
	}
	defer rows.Close()
	out := []journal.Entry{}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, 0, j.db.failed(err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, j.db.failed(err)
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
		return out, out[len(out)-1].ID, nil
	}
	return out, 0, nil
}

func scanEntry(r pgx.Row) (journal.Entry, error) {
	var id, size int64
	var data []byte
	if err := r.Scan(&id, &size, &data); err != nil {
		return journal.Entry{}, err
	}
	var e journal.Entry
	if err := json.Unmarshal(data, &e); err != nil {
		return journal.Entry{}, err
	}
	e.ID = int(id)
	e.SetBytes(size)
	return e, nil
}

// JournalCount counts the entries f matches (its Before and Limit aside).
func (j *Journal) JournalCount(f journal.Filter) (int, error) {
	if noRowHolds(f.AppID) || noRowHolds(f.Method) {
		return 0, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var n int
	err := j.db.pool.QueryRow(ctx, `SELECT count(*) FROM alipay_mock_journal WHERE `+journalWhere,
		f.AppID, f.Method, f.Failed, int64(0), f.Verified).Scan(&n)
	return n, j.db.failed(err)
}

// JournalEntry reads one entry.
func (j *Journal) JournalEntry(id int) (journal.Entry, bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	e, err := scanEntry(j.db.pool.QueryRow(ctx, `SELECT id, size, data FROM alipay_mock_journal WHERE id = $1`, int64(id)))
	if errors.Is(err, pgx.ErrNoRows) {
		return journal.Entry{}, false, nil
	}
	if err != nil {
		return journal.Entry{}, false, j.db.failed(err)
	}
	return e, true, nil
}

// JournalStats counts the entries kept and their bytes.
func (j *Journal) JournalStats() (journal.Stats, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var s journal.Stats
	err := j.db.pool.QueryRow(ctx, `SELECT count(*), coalesce(sum(size), 0) FROM alipay_mock_journal`).Scan(&s.Entries, &s.Bytes)
	return s, j.db.failed(err)
}

// ClearJournal deletes one app's entries, or all.
func (j *Journal) ClearJournal(app string) error {
	if noRowHolds(app) {
		return nil // cleaned, a NUL would read "" and delete every app's entries
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, err := j.db.pool.Exec(ctx, countJournal(`DELETE FROM alipay_mock_journal WHERE $1 = '' OR app_id = $1 RETURNING size`, "-"), app)
	return j.db.failed(err)
}

var _ journal.Store = (*Journal)(nil)

// noRowHolds reports whether app is an id no text column can hold (a NUL,
// invalid UTF-8): no row has it, so deleting its rows deletes nothing and
// a list filtered by it lists nothing. A query naming it would fail on
// the value (a bad value, not the store), and a clear of what was never
// stored must not answer that it failed; cleaned (textColumn), "\x00"
// would read "" and name every app.
func noRowHolds(app string) bool { return app != textColumn(app) }

// textColumn is s as a PostgreSQL text value can hold it: valid UTF-8 with
// no NUL (either fails a whole COPY batch, or a query, and would mark the
// store failing). Filters by such a value match nothing (noRowHolds).
func textColumn(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}
