package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/mock/appauth"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/royalty"
)

// Apps, app authorisations and royalty relations are small and seldom
// written: each replica keeps them all in memory, writes each change to
// the database and tells the others, which read the kind again (Listen).
// Sign-in's codes and tokens are kept so too, but their announcements
// name the rows changed (userauth.go).
// An app_auth_code is spent once across replicas: the database refuses a
// second use. An app's royalty relations are changed under its row's lock
// (UpdateRelations).

const changedChannel = "alipay_mock_changed"

// The kinds of state kept this way.
const (
	KindApps      = "apps"
	KindAppAuth   = "appauth"
	KindRoyalty   = "royalty"
	KindScenarios = "scenarios"
	KindFaults    = "faults"
)

// Policies and query pays are kv rows too, but read where used, never reloaded.
var kinds = []string{KindApps, KindAppAuth, KindUserAuth, KindRoyalty, KindScenarios, KindFaults}

// put writes one value and, when that changed anything, tells every
// replica; cond, when set, is a further condition on the stored row
// (false: nothing written, and put reports false).
func (db *DB) put(kind, k string, v any, cond string) (bool, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	q := `INSERT INTO alipay_mock_kv (kind, k, data) VALUES ($1, $2, $3)
		ON CONFLICT (kind, k) DO UPDATE SET data = EXCLUDED.data
		WHERE alipay_mock_kv.data IS DISTINCT FROM EXCLUDED.data`
	if cond != "" {
		q += " AND " + cond
	}
	done := false
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, q, kind, k, data)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		done = true
		_, err = tx.Exec(ctx, `SELECT pg_notify($1, $2)`, changedChannel, kind)
		return err
	})
	return done, db.failed(err)
}

func (db *DB) del(kind, k string) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	return db.failed(pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var err error
		if k == "" {
			_, err = tx.Exec(ctx, `DELETE FROM alipay_mock_kv WHERE kind = $1`, kind)
		} else {
			_, err = tx.Exec(ctx, `DELETE FROM alipay_mock_kv WHERE kind = $1 AND k = $2`, kind, k)
		}
		if err == nil {
			_, err = tx.Exec(ctx, `SELECT pg_notify($1, $2)`, changedChannel, kind)
		}
		return err
	}))
}

// each reads every value of a kind.
func (db *DB) each(kind string, f func(k string, data []byte) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	rows, err := db.pool.Query(ctx, `SELECT k, data FROM alipay_mock_kv WHERE kind = $1 ORDER BY k`, kind)
	if err != nil {
		return db.failed(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var data []byte
		if err := rows.Scan(&k, &data); err != nil {
			return db.failed(err)
		}
		if err := f(k, data); err != nil {
			return err
		}
	}
	return db.failed(rows.Err())
}

// PutApp stores an app (apps.Store).
func (db *DB) PutApp(r apps.Record) error {
	_, err := db.put(KindApps, r.Spec.AppID, r, "")
	return err
}

// Apps reads every stored app.
func (db *DB) Apps() ([]apps.Record, error) {
	var out []apps.Record
	err := db.each(KindApps, func(_ string, data []byte) error {
		var r apps.Record
		if err := json.Unmarshal(data, &r); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// App reads one stored app (apps.Reader).
func (db *DB) App(appID string) (apps.Record, bool, error) {
	var r apps.Record
	ok, err := db.get(KindApps, "k = $2", appID, &r)
	return r, ok, err
}

// PutCode stores an app_auth_code (appauth.Store). Spending one that
// another replica spent first answers appauth.ErrCodeNotValid.
func (db *DB) PutCode(c appauth.Code) error {
	cond := ""
	if c.Used {
		cond = "NOT coalesce((alipay_mock_kv.data->>'used')::boolean, false)"
	}
	done, err := db.put(KindAppAuth, "code/"+c.Code, c, cond)
	if err == nil && !done && c.Used {
		return appauth.ErrCodeNotValid
	}
	return err
}

// PutToken stores an app_auth_token (appauth.Store). Spending a refresh
// token another replica spent first answers appauth.ErrRefreshNotValid.
func (db *DB) PutToken(t appauth.Token) error {
	cond := ""
	if t.Refreshed {
		cond = "NOT coalesce((alipay_mock_kv.data->>'refreshed')::boolean, false)"
	}
	done, err := db.put(KindAppAuth, "token/"+t.AppAuthToken, t, cond)
	if err == nil && !done && t.Refreshed {
		return appauth.ErrRefreshNotValid
	}
	return err
}

// IssueToken stores a new app_auth_token (appauth.Issuer) with its gen
// one more than the highest stored for its ISV and merchant. Issues for
// one pair take turns (an advisory lock to the commit), and each reads
// the stored ones after its turn came, so the one committed last has the
// highest gen: the newest on every replica, whatever its replica knew.
func (db *DB) IssueToken(t appauth.Token) (uint64, error) {
	data, err := json.Marshal(t)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var gen uint64
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1::int, hashtext($2 || ' ' || $3))`,
			tokenPairLock, t.ISVAppID, t.Merchant.AuthAppID); err != nil {
			return err
		}
		// A statement of its own, after the lock: its snapshot holds
		// what the pair's last issue committed.
		if err := tx.QueryRow(ctx, `INSERT INTO alipay_mock_kv (kind, k, data)
			SELECT 'appauth', $1, jsonb_set($2::jsonb, '{gen}', to_jsonb(coalesce(max((data->>'gen')::bigint), 0) + 1))
			FROM alipay_mock_kv WHERE kind = 'appauth' AND k LIKE 'token/%'
				AND data->>'app_id' = $3 AND data->'merchant'->>'auth_app_id' = $4
			RETURNING (data->>'gen')::bigint`,
			"token/"+t.AppAuthToken, data, t.ISVAppID, t.Merchant.AuthAppID).Scan(&gen); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, changedChannel, KindAppAuth)
		return err
	})
	return gen, db.failed(err)
}

// DeleteAppAuth deletes codes and tokens by code or app_auth_token
// (appauth.Store), and tells every replica.
func (db *DB) DeleteAppAuth(keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	ks := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		ks = append(ks, "code/"+k, "token/"+k)
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	return db.failed(pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM alipay_mock_kv WHERE kind = $1 AND k = ANY($2)`, KindAppAuth, ks)
		if err == nil && tag.RowsAffected() > 0 {
			_, err = tx.Exec(ctx, `SELECT pg_notify($1, $2)`, changedChannel, KindAppAuth)
		}
		return err
	}))
}

// AppAuth reads every stored code and token.
func (db *DB) AppAuth() (codes []appauth.Code, tokens []appauth.Token, err error) {
	err = db.each(KindAppAuth, func(k string, data []byte) error {
		if len(k) > 5 && k[:5] == "code/" {
			var c appauth.Code
			if err := json.Unmarshal(data, &c); err != nil {
				return err
			}
			codes = append(codes, c)
			return nil
		}
		var t appauth.Token
		if err := json.Unmarshal(data, &t); err != nil {
			return err
		}
		tokens = append(tokens, t)
		return nil
	})
	return codes, tokens, err
}

// PutRelations stores an app's royalty relations (royalty.Store).
func (db *DB) PutRelations(app string, list []royalty.Entity) error {
	if len(list) == 0 {
		return db.del(KindRoyalty, app)
	}
	_, err := db.put(KindRoyalty, app, list, "")
	return err
}

// UpdateRelations changes one app's royalty relations by f under the
// lock of its row (royalty.Shared), made first when there is none: a bind
// or unbind on another replica waits, then changes what this one wrote,
// so none is lost. Unchanged (or f's error), nothing is written.
func (db *DB) UpdateRelations(app string, f func([]royalty.Entity) ([]royalty.Entity, bool, error)) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var ferr error
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// The upsert locks the row whether it inserts it or finds it (one
		// another replica deletes meanwhile is inserted again).
		var data []byte
		if err := tx.QueryRow(ctx, `INSERT INTO alipay_mock_kv (kind, k, data) VALUES ($1, $2, '[]')
			ON CONFLICT (kind, k) DO UPDATE SET data = alipay_mock_kv.data RETURNING data`,
			KindRoyalty, app).Scan(&data); err != nil {
			return err
		}
		var list []royalty.Entity
		if err := json.Unmarshal(data, &list); err != nil {
			return err
		}
		next, changed, err := f(list)
		if err != nil || !changed {
			ferr = err
			return errUnchanged // rolled back: a row made above goes too
		}
		if len(next) == 0 {
			_, err = tx.Exec(ctx, `DELETE FROM alipay_mock_kv WHERE kind = $1 AND k = $2`, KindRoyalty, app)
		} else if data, err = json.Marshal(next); err == nil {
			_, err = tx.Exec(ctx, `UPDATE alipay_mock_kv SET data = $3 WHERE kind = $1 AND k = $2`, KindRoyalty, app, data)
		}
		if err == nil {
			_, err = tx.Exec(ctx, `SELECT pg_notify($1, $2)`, changedChannel, KindRoyalty)
		}
		return err
	})
	if errors.Is(err, errUnchanged) {
		return ferr
	}
	return db.failed(err)
}

// errUnchanged rolls back a transaction that changed nothing.
var errUnchanged = errors.New("unchanged")

// DeleteRelations deletes every app's royalty relations (royalty.Store).
func (db *DB) DeleteRelations() error { return db.del(KindRoyalty, "") }

// Relations reads every app's royalty relations.
func (db *DB) Relations() (map[string][]royalty.Entity, error) {
	out := map[string][]royalty.Entity{}
	err := db.each(KindRoyalty, func(k string, data []byte) error {
		var list []royalty.Entity
		if err := json.Unmarshal(data, &list); err != nil {
			return err
		}
		out[k] = list
		return nil
	})
	return out, err
}

// AppRelations reads one app's royalty relations (none: an empty list).
func (db *DB) AppRelations(app string) ([]royalty.Entity, error) {
	var list []royalty.Entity
	_, err := db.get(KindRoyalty, "k = $2", app, &list)
	return list, err
}

// Code reads one app_auth_code (appauth.Reader).
func (db *DB) Code(code string) (appauth.Code, bool, error) {
	var c appauth.Code
	ok, err := db.get(KindAppAuth, "k = $2", "code/"+code, &c)
	return c, ok, err
}

// Token reads one app_auth_token (appauth.Reader).
func (db *DB) Token(token string) (appauth.Token, bool, error) {
	var t appauth.Token
	ok, err := db.get(KindAppAuth, "k = $2", "token/"+token, &t)
	return t, ok, err
}

// tokenByRefresh finds an app_auth_token by its refresh token through
// alipay_mock_kv_app_refresh: the kind is written out, as the index's
// condition, so that a generic plan can use it too.
const tokenByRefresh = `SELECT data FROM alipay_mock_kv
	WHERE kind = 'appauth' AND k LIKE 'token/%' AND data->>'app_refresh_token' = $1 LIMIT 1`

// TokenByRefresh reads the token of a refresh token (appauth.Reader).
func (db *DB) TokenByRefresh(refresh string) (appauth.Token, bool, error) {
	var t appauth.Token
	ok, err := db.one(&t, tokenByRefresh, refresh)
	return t, ok, err
}

// get reads the one value of kind where holds (with $2 = arg) into v;
// an arg no row holds (the query would fail on the value) finds nothing.
func (db *DB) get(kind, where, arg string, v any) (bool, error) {
	return db.one(v, `SELECT data FROM alipay_mock_kv WHERE kind = $1 AND `+where+` LIMIT 1`, kind, arg)
}

// one reads into v the one value (data) sql selects with args; a string
// argument no row can hold (the query would fail on it) finds nothing.
func (db *DB) one(v any, sql string, args ...any) (bool, error) {
	if unstorable(args) {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var data []byte
	err := db.pool.QueryRow(ctx, sql, args...).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, db.failed(err)
	}
	return true, json.Unmarshal(data, v)
}

// UpdateScenarios runs f on the stored scenarios under a row lock, so
// replicas count calls and move states one at a time, and under
// scenariosMu, held until f's undo has run when the change was not stored
// (scenarios.Store): the row lock goes with the rollback, before update
// returns, and this process's next change must not come before the undo.
func (db *DB) UpdateScenarios(f func(state []byte) (next []byte, changed bool, undo func())) error {
	db.scenariosMu.Lock()
	defer db.scenariosMu.Unlock()
	var undo func()
	err := db.update(KindScenarios, &db.scenarios, func(state []byte) ([]byte, bool) {
		next, changed, u := f(state)
		undo = u
		return next, changed
	})
	if err != nil && undo != nil {
		undo()
	}
	return err
}

// UpdateFaults runs f on the stored queue of answers under a row lock
// (gateway.QueueStore). When f added an answer, it returns once every
// listening replica heard (faults.go).
func (db *DB) UpdateFaults(f func(state []byte) (next []byte, changed bool)) error {
	added := false
	err := db.update(KindFaults, nil, func(state []byte) ([]byte, bool) {
		next, changed := f(state)
		if added = changed && queueSeq(next) > queueSeq(state); added {
			db.faults.none.Store(false)
		}
		return next, changed
	})
	if err == nil && added {
		db.heardByAll(&db.faults)
	}
	return err
}

// Faults reads the stored queue of answers.
func (db *DB) Faults() ([]byte, error) { return db.state(KindFaults) }

// rowCopy is a state row as this replica last read or wrote it, with its
// version: the row's xmin, the id of the transaction that wrote it, new
// with every write (an id comes round again only after 2^32 transactions).
// A read of that version gives back these very bytes, without fetching
// them: jsonb never gives back the bytes written, and the engine skips
// decoding a state it holds by comparing them (scenarios.Store).
type rowCopy struct {
	mu   sync.Mutex
	ver  string
	data []byte
}

func (c *rowCopy) get() (ver string, data []byte) {
	if c == nil {
		return "", nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ver, c.data
}

// set keeps data as version ver; a read (written false) keeps the bytes
// c has for that version already, the ones the engine was given.
func (c *rowCopy) set(ver string, data []byte, written bool) {
	if c != nil {
		c.mu.Lock()
		if written || c.ver != ver {
			c.ver, c.data = ver, data
		}
		c.mu.Unlock()
	}
}

// readRow is the row's version and data, from c when c holds that
// version (the query sends no data then).
func readRow(row pgx.Row, c *rowCopy, ver0 string, data0 []byte) (ver string, data []byte, err error) {
	var fetched *[]byte
	if err := row.Scan(&ver, &fetched); err != nil {
		return "", nil, err
	}
	if fetched == nil { // the version c holds
		return ver, data0, nil
	}
	c.set(ver, *fetched, false)
	return ver, *fetched, nil
}

// rowQuery reads a kind's state row: its version, and its data unless
// the version is $2.
const rowQuery = `SELECT xmin::text, CASE WHEN xmin::text = $2 THEN NULL ELSE data END FROM alipay_mock_kv WHERE kind = $1 AND k = 'state'`

// update runs f on one kind's single state row under its lock, stores
// what f returns when changed and tells every replica; c, when not nil,
// keeps the row as last read or written.
func (db *DB) update(kind string, c *rowCopy, f func(state []byte) (next []byte, changed bool)) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	return db.failed(pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO alipay_mock_kv (kind, k, data) VALUES ($1, 'state', '{}')
			ON CONFLICT (kind, k) DO NOTHING`, kind); err != nil {
			return err
		}
		ver0, data0 := c.get()
		_, data, err := readRow(tx.QueryRow(ctx, rowQuery+` FOR UPDATE`, kind, ver0), c, ver0, data0)
		if err != nil {
			return err
		}
		next, changed := f(data)
		if !changed {
			return nil
		}
		var wrote string
		if err := tx.QueryRow(ctx, `UPDATE alipay_mock_kv SET data = $2 WHERE kind = $1 AND k = 'state' RETURNING xmin::text`,
			kind, next).Scan(&wrote); err != nil {
			return err
		}
		// Before the commit, so the announcement finds it: a version
		// rolled back is never the row's. (A row this transaction
		// inserted has its version already, read as '{}'.)
		c.set(wrote, next, true)
		_, err = tx.Exec(ctx, `SELECT pg_notify($1, $2)`, changedChannel, kind)
		return err
	}))
}

// Scenarios reads the stored scenarios: the bytes this replica last read
// or wrote when the row still holds them (rowCopy).
func (db *DB) Scenarios() ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	ver0, data0 := db.scenarios.get()
	_, data, err := readRow(db.pool.QueryRow(ctx, rowQuery, KindScenarios, ver0), &db.scenarios, ver0, data0)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return data, db.failed(err)
}

// state reads one kind's single state row.
func (db *DB) state(kind string) ([]byte, error) {
	var data []byte
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	err := db.pool.QueryRow(ctx, `SELECT data FROM alipay_mock_kv WHERE kind = $1 AND k = 'state'`, kind).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return data, db.failed(err)
}

// boundKind keeps at most bound rows of kind whose key starts with prefix
// (a row stored replaced, about to go, is not counted), in the
// transaction that added one, under a lock its writers take first: past
// the bound the oldest row of the app holding the most goes (of apps
// holding as many, the one whose oldest is the oldest), oldest by made,
// then by its time on the mock's clock, as bounded.Grouped and
// bounded.MadeOr order memory. It returns ks and the keys deleted.
func boundKind(ctx context.Context, tx pgx.Tx, ks []string, kind, prefix string, bound int) ([]string, error) {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM alipay_mock_kv WHERE kind = $1 AND k LIKE $2 AND `+notReplaced,
		kind, prefix+"%").Scan(&n); err != nil {
		return nil, err
	}
	for ; n > bound; n-- {
		var k string
		switch err := tx.QueryRow(ctx, evictOldest, kind, prefix+"%").Scan(&k); {
		case errors.Is(err, pgx.ErrNoRows):
			return ks, nil
		case err != nil:
			return nil, err
		}
		ks = append(ks, k)
	}
	return ks, nil
}

// notReplaced is a row not stored replaced (a sign-in pair whose refresh
// token was used).
const notReplaced = `NOT coalesce((data->>'replaced')::boolean, false)`

// evictOldest deletes boundKind's oldest row of the app holding the most;
// one stored without made (an older build's) goes first, by its time
// (created, auth_start).
const evictOldest = `WITH f AS (
	SELECT k, data->>'app_id' AS app, coalesce((data->>'made')::bigint, 0) AS made,
		coalesce(data->>'created', data->>'auth_start')::timestamptz AS at
	FROM alipay_mock_kv WHERE kind = $1 AND k LIKE $2 AND ` + notReplaced + `
), g AS (
	SELECT app FROM f GROUP BY app ORDER BY count(*) DESC, min(made) LIMIT 1
)
DELETE FROM alipay_mock_kv WHERE kind = $1
	AND k = (SELECT k FROM f WHERE app = (SELECT app FROM g) ORDER BY made, at, k LIMIT 1)
RETURNING k`
