package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// KindUserAuth are sign-in's auth_codes and access tokens
// (userauth.Store, userauth.Reader), kv rows keyed "code/" and "token/",
// in every replica's memory. Unlike the other kinds (kv.go), written three
// times a login, a change is announced with the keys it wrote or deleted
// (userAuthNotices), and each replica reads those rows only
// (UserAuthChanges); the whole kind is read at start and when the
// listening connection comes back. One a replica has not heard of yet is
// read where used. A code is spent, and a pair replaced by its refresh, by
// a conditional write of its row: one replica's wins. The bounds on codes
// and tokens are applied here, in the write that adds one (boundKind):
// a replica's memory only caches them.
const KindUserAuth = "userauth"

// userAuthPrefix begins an announcement of sign-in rows: a JSON list of
// keys follows.
const userAuthPrefix = KindUserAuth + "|"

// maxNotice is what one announcement's payload may hold (PostgreSQL's
// bound is 8,000 bytes).
const maxNotice = 7000

// errLost rolls back a write whose condition another replica's write
// took first.
var errLost = errors.New("lost to another replica")

// PutUserCode stores a sign-in auth_code (userauth.Store), within the
// bound on stored codes (boundKind). Spending one is an update of its
// stored row while unspent: one another replica spent first, or that was
// deleted for all, answers userauth.ErrCodeInvalid.
func (db *DB) PutUserCode(c userauth.Code) error {
	k := "code/" + c.Code
	err := db.userAuthTx(func(ctx context.Context, tx pgx.Tx) ([]string, error) {
		if c.Used {
			return []string{k}, updateUnless(ctx, tx, k, c, "used")
		}
		if err := lockUserAuth(ctx, tx); err != nil {
			return nil, err
		}
		if err := upsertUserAuth(ctx, tx, k, c); err != nil {
			return nil, err
		}
		return boundKind(ctx, tx, []string{k}, KindUserAuth, "code/", userauth.MaxCodes)
	})
	if errors.Is(err, errLost) {
		return userauth.ErrCodeInvalid
	}
	return err
}

// PutUserToken stores sign-in pairs in one transaction (userauth.Store),
// within the bound on stored pairs (boundKind). A pair marked
// replaced (its refresh token used) is an update of its stored row while
// not replaced: one another replica replaced first, or that was deleted
// for all, answers userauth.ErrRefreshInvalid and nothing is stored.
func (db *DB) PutUserToken(ts ...userauth.Token) error {
	err := db.userAuthTx(func(ctx context.Context, tx pgx.Tx) ([]string, error) {
		added := slices.ContainsFunc(ts, func(t userauth.Token) bool { return !t.Replaced })
		if added {
			if err := lockUserAuth(ctx, tx); err != nil {
				return nil, err
			}
		}
		ks := make([]string, len(ts))
		for i, t := range ts {
			ks[i] = "token/" + t.AccessToken
			var err error
			if t.Replaced {
				err = updateUnless(ctx, tx, ks[i], t, "replaced")
			} else {
				err = upsertUserAuth(ctx, tx, ks[i], t)
			}
			if err != nil {
				return nil, err
			}
		}
		if !added {
			return ks, nil
		}
		return boundKind(ctx, tx, ks, KindUserAuth, "token/", userauth.MaxTokens)
	})
	if errors.Is(err, errLost) {
		return userauth.ErrRefreshInvalid
	}
	return err
}

// upsertUserAuth writes v as the row k.
func upsertUserAuth(ctx context.Context, tx pgx.Tx, k string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO alipay_mock_kv (kind, k, data) VALUES ($1, $2, $3)
		ON CONFLICT (kind, k) DO UPDATE SET data = EXCLUDED.data`, KindUserAuth, k, data)
	return err
}

// lockUserAuth makes the writes that add a code or pair take turns (an
// advisory lock to the commit), so that each bound counts what the others
// committed. It comes first, before any row lock: an eviction waiting on a
// row this transaction holds would deadlock.
func lockUserAuth(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, userAuthLock)
	return err
}

// updateUnless writes v over the stored row k while its flag is not set;
// errLost when there is no such row.
func updateUnless(ctx context.Context, tx pgx.Tx, k string, v any, flag string) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `UPDATE alipay_mock_kv SET data = $3 WHERE kind = $1 AND k = $2
		AND NOT coalesce((data->>'`+flag+`')::boolean, false)`, KindUserAuth, k, data)
	if err == nil && tag.RowsAffected() == 0 {
		return errLost
	}
	return err
}

// userAuthTx runs f in a transaction that tells every replica the keys
// f returns, written or deleted (none: nothing to tell).
func (db *DB) userAuthTx(f func(context.Context, pgx.Tx) ([]string, error)) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		ks, err := f(ctx, tx)
		if err != nil || len(ks) == 0 {
			return err
		}
		_, err = tx.Exec(ctx, `SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p`, changedChannel, userAuthNotices(ks))
		return err
	})
	if errors.Is(err, errLost) {
		return err
	}
	return db.failed(err)
}

// DeleteUserAuth deletes sign-in codes and tokens by code or access
// token (userauth.Store), and tells every replica.
func (db *DB) DeleteUserAuth(keys []string) error {
	ks := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		if !noRowHolds(k) {
			ks = append(ks, "code/"+k, "token/"+k)
		}
	}
	if len(ks) == 0 {
		return nil
	}
	return db.userAuthTx(func(ctx context.Context, tx pgx.Tx) ([]string, error) {
		rows, err := tx.Query(ctx, `DELETE FROM alipay_mock_kv WHERE kind = $1 AND k = ANY($2) RETURNING k`, KindUserAuth, ks)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, pgx.RowTo[string])
	})
}

// userAuthNotices are the announcements of the sign-in rows ks: their
// keys, as many to a notice as its bound allows. A key too long for one
// (none the mock makes) announces the kind: every replica reads it all.
func userAuthNotices(ks []string) []string {
	var out []string
	var batch []string
	size := 0
	flush := func() {
		if len(batch) > 0 {
			data, _ := json.Marshal(batch)
			out = append(out, userAuthPrefix+string(data))
			batch, size = batch[:0], 0
		}
	}
	for _, k := range ks {
		data, _ := json.Marshal(k)
		if len(userAuthPrefix)+len(data)+2 > maxNotice {
			return []string{KindUserAuth}
		}
		if len(userAuthPrefix)+size+len(data)+2 > maxNotice {
			flush()
		}
		batch = append(batch, k)
		size += len(data) + 1
	}
	flush()
	return out
}

// UserAuthKeys reads an announcement Listen passed on: the keys of the
// sign-in rows written or deleted, when it is one.
func (db *DB) UserAuthKeys(payload string) ([]string, bool) {
	rest, ok := strings.CutPrefix(payload, userAuthPrefix)
	if !ok {
		return nil, false
	}
	var ks []string
	if json.Unmarshal([]byte(rest), &ks) != nil {
		return nil, false
	}
	return ks, true
}

// UserAuthChanges reads the sign-in rows of keys as stored now: each a
// code or token, or gone when deleted.
func (db *DB) UserAuthChanges(keys []string) (userauth.Changes, error) {
	var ch userauth.Changes
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	rows, err := db.pool.Query(ctx, `SELECT k, data FROM alipay_mock_kv WHERE kind = $1 AND k = ANY($2)`, KindUserAuth, keys)
	if err != nil {
		return ch, db.failed(err)
	}
	defer rows.Close()
	found := make(map[string]bool, len(keys))
	for rows.Next() {
		var k string
		var data []byte
		if err := rows.Scan(&k, &data); err != nil {
			return ch, db.failed(err)
		}
		found[k] = true
		if err := decodeUserAuth(k, data, &ch.Codes, &ch.Tokens); err != nil {
			return ch, err
		}
	}
	if err := rows.Err(); err != nil {
		return ch, db.failed(err)
	}
	for _, k := range keys {
		if found[k] {
			continue
		}
		if c, ok := strings.CutPrefix(k, "code/"); ok {
			ch.GoneCodes = append(ch.GoneCodes, c)
		} else if t, ok := strings.CutPrefix(k, "token/"); ok {
			ch.GoneTokens = append(ch.GoneTokens, t)
		}
	}
	return ch, nil
}

// decodeUserAuth appends the row k to codes or tokens.
func decodeUserAuth(k string, data []byte, codes *[]userauth.Code, tokens *[]userauth.Token) error {
	if strings.HasPrefix(k, "code/") {
		var c userauth.Code
		if err := json.Unmarshal(data, &c); err != nil {
			return err
		}
		*codes = append(*codes, c)
		return nil
	}
	var t userauth.Token
	if err := json.Unmarshal(data, &t); err != nil {
		return err
	}
	*tokens = append(*tokens, t)
	return nil
}

// UserAuth reads every stored sign-in code and token.
func (db *DB) UserAuth() (codes []userauth.Code, tokens []userauth.Token, err error) {
	err = db.each(KindUserAuth, func(k string, data []byte) error {
		return decodeUserAuth(k, data, &codes, &tokens)
	})
	return codes, tokens, err
}

// UserCode reads one sign-in auth_code (userauth.Reader).
func (db *DB) UserCode(code string) (userauth.Code, bool, error) {
	var c userauth.Code
	ok, err := db.get(KindUserAuth, "k = $2", "code/"+code, &c)
	return c, ok, err
}

// UserToken reads one sign-in pair by access token (userauth.Reader).
func (db *DB) UserToken(token string) (userauth.Token, bool, error) {
	var t userauth.Token
	ok, err := db.get(KindUserAuth, "k = $2", "token/"+token, &t)
	return t, ok, err
}

// userTokenByRefresh finds a pair by its refresh token through
// alipay_mock_kv_user_refresh: the kind is written out, as the index's
// condition, so that a generic plan can use it too.
const userTokenByRefresh = `SELECT data FROM alipay_mock_kv
	WHERE kind = 'userauth' AND k LIKE 'token/%' AND data->>'refresh_token' = $1 LIMIT 1`

// UserTokenByRefresh reads the pair of a refresh token (userauth.Reader).
func (db *DB) UserTokenByRefresh(refresh string) (userauth.Token, bool, error) {
	var t userauth.Token
	ok, err := db.one(&t, userTokenByRefresh, refresh)
	return t, ok, err
}

// BoundsUserAuth marks the store as bounding codes and tokens itself
// (userauth.Bounder): boundKind.
func (db *DB) BoundsUserAuth() {}

var (
	_ userauth.Store   = (*DB)(nil)
	_ userauth.Reader  = (*DB)(nil)
	_ userauth.Bounder = (*DB)(nil)
)
