package pgstore

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// KindForms are the authorisation pages' consent forms (userauth.FormStore),
// kv rows by form token: read where used, never announced nor reloaded,
// bounded as one process bounds them (PutAuthForm). A form is spent by
// deleting its row: the one replica whose delete took it hands out a code.
const KindForms = "forms"

// formRow is a form as its row holds it: the state and redirect_uri, the
// app's bytes (a NUL or bytes that are not UTF-8 too), as base64, since
// jsonb refuses \u0000 and JSON text holds UTF-8 only; they come back
// byte for byte.
type formRow struct {
	userauth.Form
	StateBytes    []byte `json:"state_bytes,omitempty"`
	RedirectBytes []byte `json:"redirect_uri_bytes,omitempty"`
}

func formData(f userauth.Form) ([]byte, error) {
	r := formRow{Form: f, StateBytes: []byte(f.State), RedirectBytes: []byte(f.RedirectURI)}
	r.Form.State, r.Form.RedirectURI = "", ""
	return json.Marshal(r)
}

func parseForm(data []byte) (userauth.Form, error) {
	var r formRow
	if err := json.Unmarshal(data, &r); err != nil {
		return userauth.Form{}, err
	}
	f := r.Form
	if r.StateBytes != nil {
		f.State = string(r.StateBytes)
	}
	if r.RedirectBytes != nil {
		f.RedirectURI = string(r.RedirectBytes)
	}
	return f, nil
}

// PutAuthForm stores a form a replica showed, under the one bound on
// stored forms, that of one process's memory (userauth.MaxForms in all):
// past it the oldest form of the app holding the most goes (of apps
// holding as many, the one whose oldest is the oldest), for every
// replica. Puts take turns (an advisory lock to the commit), so each
// counts what the others committed.
func (db *DB) PutAuthForm(f userauth.Form) error {
	data, err := formData(f)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	return db.failed(pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, formsLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO alipay_mock_kv (kind, k, data) VALUES ($1, $2, $3)`, KindForms, f.Token, data); err != nil {
			return err
		}
		_, err := boundKind(ctx, tx, nil, KindForms, "", userauth.MaxForms)
		return err
	}))
}

// AuthForm reads one stored form.
func (db *DB) AuthForm(token string) (userauth.Form, bool, error) {
	var data json.RawMessage
	ok, err := db.get(KindForms, "k = $2", token, &data)
	if !ok || err != nil {
		return userauth.Form{}, false, err
	}
	f, err := parseForm(data)
	return f, err == nil, err
}

// TakeAuthForm deletes a stored form and reports whether this call did.
func (db *DB) TakeAuthForm(token string) (bool, error) {
	if noRowHolds(token) {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	tag, err := db.pool.Exec(ctx, `DELETE FROM alipay_mock_kv WHERE kind = $1 AND k = $2`, KindForms, token)
	if err != nil {
		return false, db.failed(err)
	}
	return tag.RowsAffected() == 1, nil
}

// DeleteAuthForms deletes forms by token.
func (db *DB) DeleteAuthForms(tokens []string) error {
	ks := make([]string, 0, len(tokens))
	for _, t := range tokens {
		if !noRowHolds(t) {
			ks = append(ks, t)
		}
	}
	if len(ks) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, err := db.pool.Exec(ctx, `DELETE FROM alipay_mock_kv WHERE kind = $1 AND k = ANY($2)`, KindForms, ks)
	return db.failed(err)
}

// AuthForms reads every stored form.
func (db *DB) AuthForms() ([]userauth.Form, error) {
	var out []userauth.Form
	err := db.each(KindForms, func(_ string, data []byte) error {
		f, err := parseForm(data)
		if err != nil {
			return err
		}
		out = append(out, f)
		return nil
	})
	return out, err
}
