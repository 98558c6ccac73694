// Package pgstore keeps the mock's shared state in PostgreSQL when
// --store postgres://… is given, so that several mock processes
// (replicas) behind a load balancer act as one mock. The database is the
// truth: trades are read under row locks in each operation's transaction
// and written back before the answer (trade.Backend), with a unique key on
// (app_id, out_trade_no); notifications are jobs leased by one replica at a
// time (FOR UPDATE SKIP LOCKED, a lease in wall time); the clock is one row
// whose changes every replica hears (LISTEN/NOTIFY).
package pgstore

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
)

// opTimeout bounds one operation's transaction.
const opTimeout = 30 * time.Second

// The advisory locks, one number each (a shared number would make one
// holder skip or wait on an unrelated job).
const (
	schemaLock      = 7262861 // creating the schema (written out in schema)
	tradeTrimLock   = 7262862 // --keep-trades (keep.go)
	packetTrimLock  = 7262863 // --keep-red-packets (keep.go)
	journalTrimLock = 7262864 // the journal's bounds (journal.go)
	policiesLock    = 7262865 // held shared while a replica believes no policy is stored (policies.go)
	faultsLock      = 7262869 // held shared while a replica believes no answer is queued (faults.go)
	formsLock       = 7262867 // storing a consent form and applying the forms' bound (forms.go)
	userAuthLock    = 7262868 // storing a sign-in code or pair and applying their bound (userauth.go)
	// With a hash of an ISV and merchant (two 32-bit keys, apart from the
	// numbers above): issuing an app_auth_token for them (kv.go).
	tokenPairLock = 7262866
)

// schema is created on first use; a transaction-level advisory lock keeps
// replicas that start together from racing on it.
var schema = `
SELECT pg_advisory_xact_lock(7262861); -- schemaLock
CREATE TABLE IF NOT EXISTS alipay_mock_trades (
	trade_no      text PRIMARY KEY,
	app_id        text NOT NULL,
	out_trade_no  text NOT NULL,
	qr_token      text,
	cashier_token text,
	created       timestamptz NOT NULL,
	version       bigint NOT NULL DEFAULT 1,
	deadline      timestamptz,
	data          bytea NOT NULL
);
ALTER TABLE alipay_mock_trades ADD COLUMN IF NOT EXISTS seq bigserial;
ALTER TABLE alipay_mock_trades SET (toast_tuple_target = 8160); -- see alipay_mock_journal
ALTER TABLE alipay_mock_trades ADD COLUMN IF NOT EXISTS final_seq bigint;
CREATE INDEX IF NOT EXISTS alipay_mock_trades_final ON alipay_mock_trades (final_seq) WHERE final_seq IS NOT NULL;
ALTER TABLE alipay_mock_trades ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX IF NOT EXISTS alipay_mock_trades_seq ON alipay_mock_trades (seq);
CREATE INDEX IF NOT EXISTS alipay_mock_trades_app_seq ON alipay_mock_trades (app_id, seq);
CREATE INDEX IF NOT EXISTS alipay_mock_trades_status_seq ON alipay_mock_trades (status, seq);
CREATE INDEX IF NOT EXISTS alipay_mock_trades_deadline ON alipay_mock_trades (deadline) WHERE deadline IS NOT NULL;
CREATE INDEX IF NOT EXISTS alipay_mock_trades_qr ON alipay_mock_trades (qr_token) WHERE qr_token IS NOT NULL;
CREATE INDEX IF NOT EXISTS alipay_mock_trades_cashier ON alipay_mock_trades (cashier_token);
-- One trade per (app_id, out_trade_no), keyed out_trade_no first so that
-- the same index serves a look-up by out_trade_no of any app: each index
-- is an entry every insert makes. Databases made before keep the data;
-- their (app_id, out_trade_no) key and (out_trade_no) index go.
CREATE UNIQUE INDEX IF NOT EXISTS alipay_mock_trades_out_app ON alipay_mock_trades (out_trade_no, app_id);
ALTER TABLE alipay_mock_trades DROP CONSTRAINT IF EXISTS alipay_mock_trades_app_id_out_trade_no_key;
DROP INDEX IF EXISTS alipay_mock_trades_out;
-- A trade no buyer acted on (trade.Trade.Unscanned): counted apart by
-- --keep-trades and trimmed among its own (keep.go). Rows an older build
-- wrote count with the others.
ALTER TABLE alipay_mock_trades ADD COLUMN IF NOT EXISTS waiting boolean NOT NULL DEFAULT false;
CREATE INDEX IF NOT EXISTS alipay_mock_trades_waiting ON alipay_mock_trades (app_id, seq) WHERE waiting;
CREATE TABLE IF NOT EXISTS alipay_mock_red_packets (
	auth_no       text PRIMARY KEY,
	app_id        text NOT NULL,
	out_order_no  text NOT NULL,
	cashier_token text,
	created       timestamptz NOT NULL,
	version       bigint NOT NULL DEFAULT 1,
	deadline      timestamptz,
	data          bytea NOT NULL,
	UNIQUE (app_id, out_order_no)
);
ALTER TABLE alipay_mock_red_packets ADD COLUMN IF NOT EXISTS seq bigserial;
ALTER TABLE alipay_mock_red_packets ADD COLUMN IF NOT EXISTS final_seq bigint;
CREATE INDEX IF NOT EXISTS alipay_mock_red_packets_final ON alipay_mock_red_packets (final_seq) WHERE final_seq IS NOT NULL;
ALTER TABLE alipay_mock_red_packets ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT '';
ALTER TABLE alipay_mock_red_packets ADD COLUMN IF NOT EXISTS claim boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX IF NOT EXISTS alipay_mock_red_packets_seq ON alipay_mock_red_packets (seq);
CREATE INDEX IF NOT EXISTS alipay_mock_red_packets_app_seq ON alipay_mock_red_packets (app_id, seq);
CREATE INDEX IF NOT EXISTS alipay_mock_red_packets_status_seq ON alipay_mock_red_packets (status, seq);
CREATE INDEX IF NOT EXISTS alipay_mock_red_packets_deadline ON alipay_mock_red_packets (deadline) WHERE deadline IS NOT NULL;
CREATE INDEX IF NOT EXISTS alipay_mock_red_packets_cashier ON alipay_mock_red_packets (cashier_token);
-- A red packet the merchant funded: the account it was paid from and what
-- it keeps out of it (coupon.Order.MerchantOutlay), in out_amount.
ALTER TABLE alipay_mock_red_packets ADD COLUMN IF NOT EXISTS funded_account text;
ALTER TABLE alipay_mock_red_packets ADD COLUMN IF NOT EXISTS outlay bigint NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS alipay_mock_red_packets_out ON alipay_mock_red_packets (out_order_no);
-- A red packet no sender acted on (coupon.Order.Unpaid): counted apart by
-- --keep-red-packets and trimmed among its own (keep.go). Rows an older
-- build wrote (NULL) are judged by their status alone.
ALTER TABLE alipay_mock_red_packets ADD COLUMN IF NOT EXISTS waiting boolean;
CREATE TABLE IF NOT EXISTS alipay_mock_notifications (
	id          text PRIMARY KEY,
	app_id      text NOT NULL,
	state       text NOT NULL,
	next_at     timestamptz,
	lease_until timestamptz,
	lease_owner text,
	updated     bigint NOT NULL,
	data        bytea NOT NULL
);
-- resend_at: a resend asked while a lease held the notification, applied by the holder's write-back.
ALTER TABLE alipay_mock_notifications ADD COLUMN IF NOT EXISTS resend_at timestamptz;
CREATE SEQUENCE IF NOT EXISTS alipay_mock_notification_updates;
-- xact: the transaction that wrote the row (follow.go); rows stored before it have 0.
ALTER TABLE alipay_mock_notifications ADD COLUMN IF NOT EXISTS xact xid8 NOT NULL DEFAULT '0';
ALTER TABLE alipay_mock_notifications ALTER COLUMN xact SET DEFAULT pg_current_xact_id();
CREATE INDEX IF NOT EXISTS alipay_mock_notifications_follow ON alipay_mock_notifications (xact, updated);
-- An older build's follow reads by updated alone (a rolling deploy).
CREATE INDEX IF NOT EXISTS alipay_mock_notifications_updated ON alipay_mock_notifications (updated);
-- An update that draws an update number (an older build's sets only that)
-- takes the writing transaction's id.
CREATE OR REPLACE FUNCTION alipay_mock_notification_xact() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
	NEW.xact := pg_current_xact_id();
	RETURN NEW;
END $f$;
CREATE OR REPLACE TRIGGER alipay_mock_notification_xact BEFORE UPDATE OF updated ON alipay_mock_notifications
	FOR EACH ROW EXECUTE FUNCTION alipay_mock_notification_xact();
-- Rows restored from another server may hold ids this one has not reached
-- (visible rows past the snapshot's xmax): no transaction here wrote them,
-- so they take 0. The lock waits out this table's writers, whose rows then
-- all lie below xmax.
DO $d$ BEGIN
	IF EXISTS (SELECT 1 FROM alipay_mock_notifications WHERE xact >= pg_snapshot_xmax(pg_current_snapshot())) THEN
		LOCK TABLE alipay_mock_notifications IN SHARE MODE;
		UPDATE alipay_mock_notifications SET xact = '0' WHERE xact >= pg_snapshot_xmax(pg_current_snapshot());
	END IF;
END $d$;
CREATE INDEX IF NOT EXISTS alipay_mock_notifications_due ON alipay_mock_notifications (next_at) WHERE state = 'pending';
CREATE TABLE IF NOT EXISTS alipay_mock_meta (
	k text PRIMARY KEY,
	v bytea NOT NULL
);
CREATE SEQUENCE IF NOT EXISTS alipay_mock_boots;
CREATE SEQUENCE IF NOT EXISTS alipay_mock_final_seq;
CREATE TABLE IF NOT EXISTS alipay_mock_counts (
	kind   text NOT NULL,
	status text NOT NULL,
	shard  int NOT NULL,
	n      bigint NOT NULL,
	PRIMARY KEY (kind, status, shard)
);
` + counter("trades", "'trade'", "status", false) + counter("red_packets", "CASE WHEN claim THEN 'claim' ELSE 'red_packet' END", "CASE WHEN claim THEN '' ELSE status END", true) + `
CREATE TABLE IF NOT EXISTS alipay_mock_kv (
	kind text NOT NULL,
	k    text NOT NULL,
	data jsonb NOT NULL,
	PRIMARY KEY (kind, k)
);
-- claimed: when a query counted a waiting buyer out to pay (querypays.go).
ALTER TABLE alipay_mock_kv ADD COLUMN IF NOT EXISTS claimed timestamptz;
-- The app_auth_tokens of an ISV and merchant, for the next one's gen (kv.go).
CREATE INDEX IF NOT EXISTS alipay_mock_kv_token_pair ON alipay_mock_kv ((data->>'app_id'), (data->'merchant'->>'auth_app_id'))
	WHERE kind = 'appauth' AND k LIKE 'token/%';
-- Sign-in pairs by refresh token (userauth.go's userTokenByRefresh).
CREATE INDEX IF NOT EXISTS alipay_mock_kv_user_refresh ON alipay_mock_kv ((data->>'refresh_token'))
	WHERE kind = 'userauth' AND k LIKE 'token/%';
-- App authorisation tokens by refresh token (kv.go's tokenByRefresh).
CREATE INDEX IF NOT EXISTS alipay_mock_kv_app_refresh ON alipay_mock_kv ((data->>'app_refresh_token'))
	WHERE kind = 'appauth' AND k LIKE 'token/%';
`

// counter keeps alipay_mock_counts in step with a table's rows: each
// statement that inserts, deletes or changes rows adds what it changed,
// per (kind, status), in the same transaction, so a count is a sum of a
// few rows however many the table holds. The counts are spread over 32
// rows per key (by the connection's backend pid) so that writers on
// different connections seldom wait for each other; two that do and
// deadlock are retried as a conflict.
//
// Without triggers, inserts and updates are not counted by a trigger but
// by the writing statement itself (countInserted; trades.go's
// updateTrade): a trigger with a transition table cost a new trade more of
// the database's time than its insert into the table and its indexes.
func counter(table, kind, status string, triggers bool) string {
	sum := func(from string) string {
		return `INSERT INTO alipay_mock_counts AS c (kind, status, shard, n)
			SELECT k, s, pg_backend_pid() % 32, sum(d) FROM (` + from + `) x GROUP BY k, s HAVING sum(d) <> 0
			ON CONFLICT (kind, status, shard) DO UPDATE SET n = c.n + EXCLUDED.n;`
	}
	rows := func(t, d string) string {
		return `SELECT ` + kind + ` AS k, ` + status + ` AS s, ` + d + ` AS d FROM ` + t
	}
	fn := "alipay_mock_count_" + table
	tbl := "alipay_mock_" + table
	writeTriggers := `CREATE OR REPLACE TRIGGER ` + fn + `_i AFTER INSERT ON ` + tbl + ` REFERENCING NEW TABLE AS nt FOR EACH STATEMENT EXECUTE FUNCTION ` + fn + `();
CREATE OR REPLACE TRIGGER ` + fn + `_u AFTER UPDATE ON ` + tbl + ` REFERENCING OLD TABLE AS ot NEW TABLE AS nt FOR EACH STATEMENT EXECUTE FUNCTION ` + fn + `();`
	if !triggers {
		// An older build's insert and update triggers go, and the
		// counts are made again from the table: while both counted
		// (that build started beside this one) each write was counted
		// twice. kind must then be a constant. The table is locked
		// against writers for the count, which runs only when there were
		// triggers to drop.
		writeTriggers = `DO $d$ BEGIN
	IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = '` + tbl + `'::regclass AND tgname IN ('` + fn + `_i', '` + fn + `_u')) THEN
		DROP TRIGGER IF EXISTS ` + fn + `_i ON ` + tbl + `;
		DROP TRIGGER IF EXISTS ` + fn + `_u ON ` + tbl + `;
		LOCK TABLE ` + tbl + ` IN SHARE MODE;
		DELETE FROM alipay_mock_counts WHERE kind = ` + kind + `;
		INSERT INTO alipay_mock_counts (kind, status, shard, n)
			SELECT ` + kind + `, ` + status + `, 0, count(*) FROM ` + tbl + ` GROUP BY 2;
	END IF;
END $d$;`
	}
	return `
CREATE OR REPLACE FUNCTION ` + fn + `() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
	IF TG_OP = 'INSERT' THEN
		` + sum(rows("nt", "1")) + `
	ELSIF TG_OP = 'DELETE' THEN
		` + sum(rows("ot", "-1")) + `
	ELSE
		` + sum(rows("nt", "1")+" UNION ALL "+rows("ot", "-1")) + `
	END IF;
	RETURN NULL;
END $f$;
` + writeTriggers + `
CREATE OR REPLACE TRIGGER ` + fn + `_d AFTER DELETE ON ` + tbl + ` REFERENCING OLD TABLE AS ot FOR EACH STATEMENT EXECUTE FUNCTION ` + fn + `();
`
}

// countInserted is a statement that inserts rows into a table whose
// counter has no insert trigger (counter) and counts them: insert must end
// in RETURNING the status column; kind is the counter's kind, quoted. An
// insert of one row (one) needs no grouping.
func countInserted(insert, kind string, one bool) string {
	n, group := "count(*)", " GROUP BY status"
	if one {
		n, group = "1", ""
	}
	return `WITH ins AS (` + insert + `)
	INSERT INTO alipay_mock_counts AS c (kind, status, shard, n)
	SELECT ` + kind + `, status, pg_backend_pid() % 32, ` + n + ` FROM ins` + group + `
	ON CONFLICT (kind, status, shard) DO UPDATE SET n = c.n + EXCLUDED.n`
}

// DB is an open shared store.
type DB struct {
	pool  *pgxpool.Pool
	url   string
	boots int64

	bar barriers
	// resets is the count of resets last seen; listened is set once the
	// first LISTEN is in place.
	resets   atomic.Int64
	listened atomic.Bool

	mu      sync.Mutex
	lastErr error
	onErr   func(error)

	policies belief // whether scenario policies may be stored (policies.go)
	faults   belief // whether answers may be queued (faults.go)
	// live is when (since epoch) the last of this replica's own notices
	// the listener took up was sent; 0: none since it listens (policies.go).
	live  atomic.Int64
	epoch time.Time
	// scenariosMu is this process's part of the scenarios' lock (kv.go).
	scenariosMu sync.Mutex
	// scenarios is the scenario state row as this replica last read or
	// wrote it (kv.go).
	scenarios rowCopy
	// claims holds, by app|out_trade_no, when this replica's query counted
	// a waiting buyer out (querypays.go): its payment's end acts on that
	// claim only, never on a later one another replica made once it
	// lapsed. On one replica a later claim of the same trade takes the
	// earlier's place, so a payment stalled past the lease may end it;
	// the extra payment that lets through finds the trade paid.
	claims sync.Map

	trims     trims                   // --keep-* on the database (keep.go)
	income    incomeRule              // what a paid trade brings in (fund.go)
	accountOf func(app string) string // the account it goes to (fund.go)
	// creditAccount is the account a settlement's receiver pays into (fund.go).
	creditAccount func(user string) string
	opening       *amount.Amount // a never-set base's balance (fund.go, OpenAt)
}

// IsURL reports whether a --store value names PostgreSQL.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open connects, creates the tables if they are missing and counts this
// start (Boots).
func Open(url string) (*DB, error) {
	if !IsURL(url) {
		return nil, fmt.Errorf("store: --store takes a postgres:// URL, not %s", redact(url))
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's error quotes the URL whole, passwords and all.
		return nil, fmt.Errorf("store: cannot parse the --store URL %s (the form is postgres://user:password@host:port/db?name=value&…)", redact(url))
	}
	if !strings.Contains(url, "pool_max_conns") && cfg.MaxConns < 16 {
		cfg.MaxConns = 16 // unless the URL says
	}
	if cfg.ConnConfig.ConnectTimeout == 0 { // a wrong host fails the start, not hangs it
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", redact(url), err)
	}
	db := &DB{pool: pool, url: url, epoch: time.Now()}
	db.newBeliefs()
	err = pool.AcquireFunc(ctx, func(c *pgxpool.Conn) error { return checkServer(ctx, c.Conn()) })
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: %s: %w", redact(url), err)
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, sc := range []string{schema, fundSchema, journalSchema, jobsSchema, forgetSchema, untoldSchema} {
			if _, err := tx.Exec(ctx, sc); err != nil {
				return err
			}
		}
		return tx.QueryRow(ctx, "SELECT nextval('alipay_mock_boots')").Scan(&db.boots)
	})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: %s: %w", redact(url), err)
	}
	return db, nil
}

// minServer is the oldest PostgreSQL the store runs on: the follow's xid8
// and snapshot functions came in 13, the schema's CREATE OR REPLACE
// TRIGGER in 14.
const minServer = 14

// checkServer refuses a server older than minServer.
func checkServer(ctx context.Context, conn *pgx.Conn) error {
	v := conn.PgConn().ParameterStatus("server_version")
	digits := strings.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' })
	if digits < 0 {
		digits = len(v)
	}
	major, err := strconv.Atoi(v[:digits])
	if err != nil { // not reported: ask
		var n int
		if err := conn.QueryRow(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&n); err != nil {
			return err
		}
		major, v = n/10000, strconv.Itoa(n)
	}
	if major < minServer {
		return fmt.Errorf("PostgreSQL %d or later is needed, the server runs %s", minServer, v)
	}
	return nil
}

// schemeName is what a URL scheme may be (RFC 3986 §3.1), bounded.
var schemeName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]{0,31}$`)

// passwordPair is a name=value pair whose name holds "password" in any
// case, in a URL's query or fragment, where a value may be quoted
// ('a b', \' inside): what redact masks.
var passwordPair = regexp.MustCompile(`(?i)([a-z0-9_%]*password[a-z0-9_%]*\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s&]*)`)

// redact hides the passwords of a --store value for messages and the
// banner: a URL's user part's, and the value of every pair whose name
// holds "password" in any case (password, sslpassword: libpq's names,
// which pgx reads), in the query (pair by pair, so a pair that does not
// decode is masked too, the others kept as given), anywhere else in the
// URL. A value that is not a postgres:// URL is not shown at all.
func redact(s string) string {
	if !IsURL(s) {
		// Not shown at all: a password can hide in any other form (a
		// user:password@ without a scheme, a URL net/url cannot read,
		// keyword/value text whose value runs past an &).
		if scheme, _, ok := strings.Cut(s, "://"); ok && schemeName.MatchString(scheme) {
			return "a " + scheme + ":// URL"
		}
		return "this value (not shown: it may hold a password)"
	}
	u, err := neturl.Parse(s)
	if err != nil {
		return "postgres://(unreadable URL)"
	}
	pairs := strings.Split(u.RawQuery, "&")
	for i, p := range pairs {
		k, _, _ := strings.Cut(p, "=")
		if dk, err := neturl.QueryUnescape(k); err == nil {
			k = dk
		}
		if strings.Contains(strings.ToLower(k), "password") {
			pairs[i] = neturl.QueryEscape(k) + "=xxxxx"
		}
	}
	u.RawQuery = strings.Join(pairs, "&")
	return passwordPair.ReplaceAllString(u.Redacted(), "${1}xxxxx")
}

// String is the database's URL without its password.
func (db *DB) String() string { return redact(db.url) }

// Boots is how many times a replica started on this database, this start
// included: it keeps replicas' ids apart.
func (db *DB) Boots() int64 { return db.boots }

// Close lets go of the connections.
func (db *DB) Close() {
	db.trims.stop()
	db.pool.Close()
}

// OnError registers a function told about every failed write.
func (db *DB) OnError(f func(error)) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.onErr = f
}

// Err is the last failed write, if any: the health check reports it.
func (db *DB) Err() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.lastErr
}

func (db *DB) failed(err error) error {
	if err == nil || errors.Is(err, errConflict) {
		return err
	}
	err = fmt.Errorf("store: %w", err)
	if badValue(err) {
		return err // the request's value, not the store: the request fails, the store is healthy
	}
	db.mu.Lock()
	db.lastErr = err
	f := db.onErr
	db.mu.Unlock()
	if f != nil {
		f(err)
	}
	return err
}

var errConflict = errors.New("conflict")

// badValue reports whether err is PostgreSQL refusing a value a request
// carried (SQLSTATE class 22, data exception: a NUL or invalid UTF-8 in
// text, a value too long), which says nothing about the store's health.
func badValue(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && strings.HasPrefix(pe.Code, "22")
}

// resetTable deletes every row of table, or one app's, run again when it
// lost a deadlock (its cascades and counter triggers take row locks a
// payment also takes): a reset that gave up would leave the rows.
func (db *DB) resetTable(table, app string) error {
	if noRowHolds(app) {
		return nil
	}
	sql, args := "DELETE FROM "+table, []any{}
	if app != "" {
		sql, args = sql+" WHERE app_id = $1", []any{app}
	}
	var err error
	for try := 0; try < 5; try++ {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		_, err = db.pool.Exec(ctx, sql, args...)
		cancel()
		if !conflict(err) {
			break
		}
	}
	return db.failed(err)
}

// deadlock reports PostgreSQL's deadlock_detected.
func deadlock(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "40P01"
}

// conflict reports whether err is another transaction's write winning:
// a unique key, a serialisation failure or a deadlock.
func conflict(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505", "40001", "40P01":
			return true
		}
	}
	return false
}
