package pgstore

import (
	"context"
	"encoding/json"

	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// KindForms are the authorisation pages' consent forms (userauth.FormStore),
// kv rows by form token: read where used, never announced nor reloaded. A
// form is spent by deleting its row: the one replica whose delete took it
// hands out a code.
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

// PutAuthForm stores a form a replica showed.
func (db *DB) PutAuthForm(f userauth.Form) error {
	data, err := formData(f)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, err = db.pool.Exec(ctx, `INSERT INTO alipay_mock_kv (kind, k, data) VALUES ($1, $2, $3)`, KindForms, f.Token, data)
	return db.failed(err)
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
