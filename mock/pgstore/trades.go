package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// Trades is the trade book's backend; deadline is when time alone next
// changes a trade (trade.Book.Deadline), kept with it so that any replica
// applies it (DueTrades).
func (db *DB) Trades(deadline func(trade.Trade) (time.Time, bool)) trade.Backend {
	seen, _ := lru.New[string, struct{}](seenOrders)
	return tradeBackend{db: db, deadline: deadline, reads: newReads(db), lone: newLone(db), decoded: newDecoded(4096, trade.Copy), seen: seen}
}

type tradeBackend struct {
	db       *DB
	deadline func(trade.Trade) (time.Time, bool)
	reads    *reads
	lone     *lone // single statements written outside a transaction
	decoded  *decoded[trade.Trade]
	// seen holds (app_id, out_trade_no) of orders known to be stored: a
	// new order is first tried as a blind insert (Lock), one seen is read.
	seen *lru.Cache[string, struct{}]
}

// seenOrders bounds tradeBackend.seen: an order forgotten costs its next
// repeat one failed insert.
const seenOrders = 16384

const dueTradesQuery = `SELECT app_id, trade_no FROM alipay_mock_trades
	WHERE deadline <= $1 ORDER BY deadline LIMIT $2`

// DueTrades names up to max trades whose deadline has come at now (the
// mock's clock), as app_id and trade_no.
func (db *DB) DueTrades(now time.Time, max int) ([][2]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	rows, err := db.pool.Query(ctx, dueTradesQuery, now, max)
	if err != nil {
		return nil, db.failed(err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var r [2]string
		if err := rows.Scan(&r[0], &r[1]); err != nil {
			return nil, db.failed(err)
		}
		out = append(out, r)
	}
	return out, db.failed(rows.Err())
}

// Begin starts an operation. The database transaction itself starts only
// when a row must be locked or several rows written: a read costs a share
// of one batched round trip (reads.go), a new trade's single insert one.
func (b tradeBackend) Begin() (trade.Tx, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	return &tradeTx{tradeBackend: b, ctx: ctx, cancel: cancel, versions: map[string]int64{}}, nil
}

func (b tradeBackend) Due(now time.Time, max int) ([][2]string, error) {
	return b.db.DueTrades(now, max)
}

// Page reads one page in the order trades were stored (seq), on an index
// that starts where the page does: (seq), (app_id, seq) or (status, seq).
func (b tradeBackend) Page(f trade.Filter, at uint64, limit int, newest bool) ([]trade.Trade, []uint64, error) {
	if noRowHolds(f.AppID) {
		return nil, nil, nil
	}
	q, args := pageQuery("SELECT trade_no, data, seq FROM alipay_mock_trades", f.AppID, string(f.Status), at, limit, newest)
	return readPage(b.db, q, args, "trade", trade.Unmarshal)
}

func (b tradeBackend) Counts() (map[trade.Status]int, error) {
	out := map[trade.Status]int{}
	err := b.db.counts("trade", func(_, status string, n int) { out[trade.Status(status)] = n })
	return out, err
}

func (b tradeBackend) Reset(app string) error {
	if err := b.db.resetTable("alipay_mock_trades", app); err != nil {
		return err
	}
	return b.db.deleteUntold(untoldTrade, app) // after: a mark written meanwhile finds no trade and goes
}

type tradeTx struct {
	tradeBackend
	ctx      context.Context
	cancel   context.CancelFunc
	tx       pgx.Tx           // nil until a lock or a multi-row write needs it
	versions map[string]int64 // of the rows read
	writes   []write          // run at Commit
	inserted bool             // a new trade: the database may hold more than --keep-trades
	// acted is set by a trade a buyer acted on that waited for one: it
	// may have just left the rows counted apart (keep.go).
	acted bool
	// blind is the order a Lock answered without reading (app_id and
	// out_trade_no, NUL between): the operation must insert it.
	blind string
	// incomes are what the paid trades read brought in (the income rule):
	// a write that lowers one is checked against the balance (coverWrite).
	incomes map[string]int64
}

// write is one statement Commit runs; versioned ones must change one row.
type write struct {
	sql       string
	args      []any
	versioned bool
}

const tradeCols = "SELECT trade_no, version, data FROM alipay_mock_trades "

func (t *tradeTx) begin() error {
	if t.tx != nil {
		return nil
	}
	tx, err := t.db.pool.Begin(t.ctx)
	if err != nil {
		return t.err(err)
	}
	t.tx = tx
	return nil
}

func (t *tradeTx) Lock(l trade.Lookup) ([]trade.Trade, error) {
	ts, err := t.lock(l)
	if t.db.income != nil {
		for _, tr := range ts {
			if tr.Paid != nil {
				if t.incomes == nil {
					t.incomes = map[string]int64{}
				}
				t.incomes[tr.TradeNo] = int64(t.db.income(tr))
			}
		}
	}
	return ts, err
}

func (t *tradeTx) lock(l trade.Lookup) ([]trade.Trade, error) {
	var q string
	var args []any
	switch {
	case l.Ref.TradeNo != "":
		q, args = tradeCols+"WHERE trade_no = $1", []any{l.Ref.TradeNo}
	case l.Ref.OutTradeNo != "":
		q, args = tradeCols+"WHERE app_id = $1 AND out_trade_no = $2", []any{l.App, l.Ref.OutTradeNo}
	case l.Token != "" && l.Page == trade.PageQR:
		q, args = tradeCols+"WHERE qr_token = $1", []any{l.Token}
	case l.Token != "":
		q, args = tradeCols+"WHERE cashier_token = $1", []any{l.Token}
	case l.Any != "" && l.App != "":
		q, args = tradeCols+"WHERE trade_no = $1 OR qr_token = $1 OR (app_id = $2 AND out_trade_no = $1) ORDER BY trade_no", []any{l.Any, l.App}
	case l.Any != "":
		q, args = tradeCols+"WHERE trade_no = $1 OR qr_token = $1 OR out_trade_no = $1 ORDER BY trade_no", []any{l.Any}
	default:
		return nil, nil
	}
	if unstorable(args) {
		return nil, nil // no row holds it: it matches nothing (the query would fail on the value)
	}
	if l.Read {
		// Without a lock, in the next batch of reads: a write it makes
		// (settling against the clock) is checked against the version read.
		rows, err := t.reads.get(t.ctx, q, args)
		if err != nil {
			return nil, t.err(err)
		}
		out := make([]trade.Trade, 0, len(rows))
		for _, w := range rows {
			tr, err := t.decoded.decode(w, trade.Unmarshal)
			if err != nil {
				return nil, t.db.failed(fmt.Errorf("trade %s: %w", w.key, err))
			}
			t.versions[w.key] = w.version
			out = append(out, tr)
		}
		return out, nil
	}
	if l.Create && l.Ref.TradeNo == "" && l.Ref.OutTradeNo != "" {
		// A new order, most likely: no read at all. The operation then
		// inserts it under the unique key, and any other outcome (the key
		// is taken, the operation answered an error or changed nothing)
		// is a conflict (Commit), so the book runs it again on a read.
		key := l.App + "\x00" + l.Ref.OutTradeNo
		if !t.seen.Contains(key) {
			t.blind = key
			return nil, nil
		}
	}
	if l.Create {
		// Without a lock: a read's write is checked against the version
		// read, and a trade that is missing is inserted under the unique key.
		out, err := t.query(t.db.pool, q, args)
		if err != nil || !l.Create || len(out) == 0 {
			return out, err
		}
		// A repeat of an order that exists: read it again, locked.
	}
	if err := t.begin(); err != nil {
		return nil, err
	}
	return t.query(t.tx, q+" FOR UPDATE", args)
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func (t *tradeTx) query(db querier, q string, args []any) ([]trade.Trade, error) {
	rows, err := db.Query(t.ctx, q, args...)
	if err != nil {
		return nil, t.err(err)
	}
	return readVersioned(rows, t.versions, "trade", trade.Unmarshal, t.err, t.db.failed)
}

// readVersioned reads rows of (key, version, data), noting each row's
// version for the write-back's check and decoding its data. dbErr maps a
// database error, bad a record that does not decode.
func readVersioned[T any](rows pgx.Rows, versions map[string]int64, what string, decode func([]byte) (T, error),
	dbErr, bad func(error) error) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		var key string
		var v int64
		var data []byte
		if err := rows.Scan(&key, &v, &data); err != nil {
			return nil, dbErr(err)
		}
		r, err := decode(data)
		if err != nil {
			return nil, bad(fmt.Errorf("%s %s: %w", what, key, err))
		}
		versions[key] = v
		out = append(out, r)
	}
	return out, dbErr(rows.Err())
}

// insertTrade adds a trade and counts it, in one statement; it changes no
// row when a key is taken (another request made the order meanwhile), so
// it fails no batch it is in (lone.go): the caller takes that as a
// conflict.
var insertTrade = countInserted(`INSERT INTO alipay_mock_trades
	(trade_no, app_id, out_trade_no, qr_token, cashier_token, created, deadline, data, status, final_seq, waiting)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, `+newFinalSeq("$10")+`, $11) ON CONFLICT DO NOTHING RETURNING status`, "'trade'", true)

func (t *tradeTx) Insert(ts []trade.Trade) error {
	for _, tr := range ts {
		data, err := trade.Marshal(tr)
		if err != nil {
			return t.db.failed(err)
		}
		var qr *string
		if tr.QRToken != "" {
			qr = &tr.QRToken
		}
		t.writes = append(t.writes, write{sql: insertTrade,
			args:      []any{tr.TradeNo, tr.AppID, tr.OutTradeNo, qr, tr.CashierToken, tr.Created, t.due(tr), data, string(tr.Status), tr.Final(), tr.Unscanned()},
			versioned: true})
		t.inserted = true
		t.writes = append(t.writes, t.db.paidWrite(tr)...)
	}
	return nil
}

// updateTrade writes a trade back if it is still the version read, and
// moves its count from the status it had (o: the row as read, which is
// the row updated when the version still matches) to the one it has; it
// returns a row only when it updated one.
var updateTrade = `WITH o AS (SELECT status FROM alipay_mock_trades WHERE trade_no = $2 AND version = $3),
	u AS (UPDATE alipay_mock_trades SET data = $1, deadline = $4, status = $5, version = version + 1,
		final_seq = ` + finalSeq("$6") + `, waiting = $7 WHERE trade_no = $2 AND version = $3 RETURNING status),
	c AS (INSERT INTO alipay_mock_counts AS c (kind, status, shard, n)
		SELECT 'trade', v.s, pg_backend_pid() % 32, v.d FROM u, o, LATERAL (VALUES (u.status, 1), (o.status, -1)) v(s, d)
		WHERE u.status <> o.status
		ON CONFLICT (kind, status, shard) DO UPDATE SET n = c.n + EXCLUDED.n)
	SELECT 1 FROM u`

func (t *tradeTx) Update(ts []trade.Trade) error {
	for _, tr := range ts {
		data, err := trade.Marshal(tr)
		if err != nil {
			return t.db.failed(err)
		}
		t.writes = append(t.writes, write{sql: updateTrade,
			args: []any{data, tr.TradeNo, t.versions[tr.TradeNo], t.due(tr), string(tr.Status), tr.Final(), tr.Unscanned()}, versioned: true})
		t.acted = t.acted || (trade.WaitsForBuyer(tr.Method) && !tr.Unscanned())
		paid := t.db.paidWrite(tr)
		if was, ok := t.incomes[tr.TradeNo]; ok && len(paid) > 0 && int64(t.db.income(tr)) < was {
			t.writes = append(t.writes, t.db.coverWrite()...)
		}
		t.writes = append(t.writes, paid...)
	}
	return nil
}

// due is a trade's deadline for the column: nil when it has none.
func (t *tradeTx) due(tr trade.Trade) *time.Time {
	if t.deadline == nil {
		return nil
	}
	if at, ok := t.deadline(tr); ok {
		return &at
	}
	return nil
}

// Commit runs the writes: one alone without a transaction of its own
// (a statement is atomic), more in one.
func (t *tradeTx) Commit() error {
	defer t.cancel()
	if t.blind != "" {
		if !t.inserted {
			// The operation did not make the order it was told is missing:
			// run it again on what the database holds.
			t.seen.Add(t.blind, struct{}{})
			t.rollback()
			return trade.ErrConflict
		}
		defer func() { t.seen.Add(t.blind, struct{}{}) }() // made now, or someone else's
	}
	if t.tx == nil && len(t.writes) > 1 {
		if err := t.begin(); err != nil {
			return err
		}
	}
	var db interface {
		Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	} = t.db.pool
	if t.tx != nil {
		db = t.tx
	}
	for _, w := range t.writes {
		var tag pgconn.CommandTag
		var err error
		if t.tx == nil { // one statement alone, batched with others' (lone.go)
			tag, err = t.lone.exec(t.ctx, w.sql, w.args)
		} else {
			tag, err = db.Exec(t.ctx, w.sql, w.args...)
		}
		if err == nil && w.versioned && tag.RowsAffected() != 1 {
			err = trade.ErrConflict
		}
		if err != nil {
			if t.tx != nil {
				_ = t.tx.Rollback(t.ctx)
			}
			return t.err(err)
		}
	}
	if t.tx != nil {
		if err := t.tx.Commit(t.ctx); err != nil {
			return t.err(err)
		}
	}
	if t.inserted || t.acted {
		t.db.trims.soon(tradeTrim)
	}
	return nil
}

func (t *tradeTx) Rollback() {
	defer t.cancel()
	if t.blind != "" {
		t.seen.Add(t.blind, struct{}{})
	}
	t.rollback()
}

func (t *tradeTx) rollback() {
	if t.tx != nil {
		_ = t.tx.Rollback(t.ctx)
	}
}

// err turns another transaction's winning write into trade.ErrConflict and
// reports the rest.
func (t *tradeTx) err(err error) error {
	if err == nil {
		return nil
	}
	if balanceNotEnough(err) {
		return trade.ErrNotCovered
	}
	if errors.Is(err, trade.ErrConflict) || conflict(err) {
		return trade.ErrConflict
	}
	return t.db.failed(err)
}
