package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// KindUserAuth are sign-in's auth_codes and access tokens
// (userauth.Store, userauth.Reader), kv rows keyed "code/" and "token/",
// kept as the app authorisations' are (kv.go): in every replica's memory,
// each change written and announced, read again by the others; one this
// replica has not heard of yet is read where used. A code is spent, and a
// pair replaced by its refresh, by a conditional write of its row: one
// replica's wins.
const KindUserAuth = "userauth"

// errLost rolls back a write whose condition another replica's write
// took first.
var errLost = errors.New("lost to another replica")

// PutUserCode stores a sign-in auth_code (userauth.Store). Spending one
// is an update of its stored row while unspent: one another replica spent
// first, or that was deleted for all, answers userauth.ErrCodeInvalid.
func (db *DB) PutUserCode(c userauth.Code) error {
	if !c.Used {
		_, err := db.put(KindUserAuth, "code/"+c.Code, c, "")
		return err
	}
	err := db.userAuthTx(func(ctx context.Context, tx pgx.Tx) error {
		return updateUnless(ctx, tx, "code/"+c.Code, c, "used")
	})
	if errors.Is(err, errLost) {
		return userauth.ErrCodeInvalid
	}
	return err
}

// PutUserToken stores sign-in pairs in one transaction (userauth.Store).
// A pair marked replaced (its refresh token used) is an update of its
// stored row while not replaced: one another replica replaced first, or
// that was deleted for all, answers userauth.ErrRefreshInvalid and
// nothing is stored.
func (db *DB) PutUserToken(ts ...userauth.Token) error {
	err := db.userAuthTx(func(ctx context.Context, tx pgx.Tx) error {
		for _, t := range ts {
			k := "token/" + t.AccessToken
			if t.Replaced {
				if err := updateUnless(ctx, tx, k, t, "replaced"); err != nil {
					return err
				}
				continue
			}
			data, err := json.Marshal(t)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO alipay_mock_kv (kind, k, data) VALUES ($1, $2, $3)
				ON CONFLICT (kind, k) DO UPDATE SET data = EXCLUDED.data`, KindUserAuth, k, data); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errLost) {
		return userauth.ErrRefreshInvalid
	}
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

// userAuthTx runs f in a transaction that tells every replica.
func (db *DB) userAuthTx(f func(context.Context, pgx.Tx) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := f(ctx, tx); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, changedChannel, KindUserAuth)
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
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	return db.failed(pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM alipay_mock_kv WHERE kind = $1 AND k = ANY($2)`, KindUserAuth, ks)
		if err == nil && tag.RowsAffected() > 0 {
			_, err = tx.Exec(ctx, `SELECT pg_notify($1, $2)`, changedChannel, KindUserAuth)
		}
		return err
	}))
}

// UserAuth reads every stored sign-in code and token.
func (db *DB) UserAuth() (codes []userauth.Code, tokens []userauth.Token, err error) {
	err = db.each(KindUserAuth, func(k string, data []byte) error {
		if strings.HasPrefix(k, "code/") {
			var c userauth.Code
			if err := json.Unmarshal(data, &c); err != nil {
				return err
			}
			codes = append(codes, c)
			return nil
		}
		var t userauth.Token
		if err := json.Unmarshal(data, &t); err != nil {
			return err
		}
		tokens = append(tokens, t)
		return nil
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
	if noRowHolds(refresh) {
		return t, false, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var data []byte
	err := db.pool.QueryRow(ctx, userTokenByRefresh, refresh).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, false, nil
	}
	if err != nil {
		return t, false, db.failed(err)
	}
	return t, true, json.Unmarshal(data, &t)
}

var (
	_ userauth.Store  = (*DB)(nil)
	_ userauth.Reader = (*DB)(nil)
)
