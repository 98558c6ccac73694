package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// storeUserAuth stores n sign-in codes (or pairs) of the dev app, made
// 1..n, as a replica would have.
func storeUserAuth(t *testing.T, conn *pgx.Conn, n int, tokens bool) {
	t.Helper()
	rows := make([][]any, n)
	for i := range rows {
		var k string
		var v any
		if tokens {
			tok := userauth.Token{AccessToken: fmt.Sprintf("authusrB%029xRV80", i), RefreshToken: fmt.Sprintf("authusrB%029xRF80", i),
				AppID: keys.DevAppID, UserID: "2088102177846880", Scope: userauth.ScopeBase, AuthStart: mocktest.Epoch, Made: int64(i + 1),
				Expires: mocktest.Epoch.Add(userauth.TokenLifetime), RefreshExpires: mocktest.Epoch.Add(userauth.RefreshLifetime)}
			k, v = "token/"+tok.AccessToken, tok
		} else {
			c := userauth.Code{Code: fmt.Sprintf("%028xRV80", i), AppID: keys.DevAppID, UserID: "2088102177846880", Scope: userauth.ScopeBase,
				Created: mocktest.Epoch, Made: int64(i + 1), Expires: mocktest.Epoch.Add(userauth.CodeLifetime)}
			k, v = "code/"+c.Code, c
		}
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		rows[i] = []any{pgstore.KindUserAuth, k, data}
	}
	if _, err := conn.CopyFrom(context.Background(), pgx.Identifier{"alipay_mock_kv"}, []string{"kind", "k", "data"}, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
}

// storedUserAuth counts the stored sign-in rows whose keys begin with prefix.
func storedUserAuth(t *testing.T, conn *pgx.Conn, prefix string) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM alipay_mock_kv WHERE kind = 'userauth' AND k LIKE $1`, prefix+"%").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// concurrently runs each on two replicas at once, two workers each, n
// times a worker.
func concurrently(t *testing.T, rs []*mocktest.Mock, n int, each func(m *mocktest.Mock) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 4*n)
	for w := range 4 {
		m := rs[w%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				if err := each(m); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for range 2 { // every announcement heard
		for _, m := range rs {
			m.Control(http.MethodGet, "/clock", nil, http.StatusOK)
		}
	}
}

// grantCode is POST /_mock/user-auth-codes for the dev app, for goroutines.
func grantCode(m *mocktest.Mock) (string, error) {
	resp, err := http.Post(m.URL+"/_mock/user-auth-codes", "application/json",
		strings.NewReader(`{"app_id":"`+keys.DevAppID+`","user_id":"2088102177846880"}`))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Code string `json:"auth_code"`
	}
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("grant: %s", resp.Status)
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	return out.Code, err
}

// Two replicas at the sign-in code bound, each granting codes while the
// other does, hear each other's codes in different orders: the database
// holds MaxCodes exactly, since the bound is applied there, in the write
// that adds a code, and a replica's memory only caches them (what it
// drops, a code still in bound, stays stored).
func TestConcurrentSignInGrantsOnTwoReplicasKeepTheStoredCodeBound(t *testing.T) {
	url := pgURL(t)
	openDB(t, url) // the schema
	conn := pgtest.Conn(t, url)
	storeUserAuth(t, conn, userauth.MaxCodes, false)
	rs := []*mocktest.Mock{mocktest.New(t, mock.Options{Store: url}), mocktest.New(t, mock.Options{Store: url})}

	const perWorker = 40
	concurrently(t, rs, perWorker, func(m *mocktest.Mock) error {
		_, err := grantCode(m)
		return err
	})
	if n := storedUserAuth(t, conn, "code/"); n != userauth.MaxCodes {
		t.Errorf("after %d concurrent grants on two replicas at the bound: %d codes stored, the bound is %d",
			4*perWorker, n, userauth.MaxCodes)
	}
}

// As the codes: two replicas at the sign-in token bound, each issuing
// pairs while the other does, leave MaxTokens stored.
func TestConcurrentSignInTokensOnTwoReplicasKeepTheStoredTokenBound(t *testing.T) {
	url := pgURL(t)
	openDB(t, url) // the schema
	conn := pgtest.Conn(t, url)
	storeUserAuth(t, conn, userauth.MaxTokens, true)
	rs := []*mocktest.Mock{mocktest.New(t, mock.Options{Store: url}), mocktest.New(t, mock.Options{Store: url})}

	const perWorker = 20
	concurrently(t, rs, perWorker, func(m *mocktest.Mock) error {
		code, err := grantCode(m)
		if err != nil {
			return err
		}
		out, err := signIn(m, "alipay.system.oauth.token", map[string]string{"grant_type": "authorization_code", "code": code})
		if err == nil && out["access_token"] == nil {
			err = fmt.Errorf("exchange: %v", out)
		}
		return err
	})
	if n := storedUserAuth(t, conn, "token/"); n != userauth.MaxTokens {
		t.Errorf("after %d concurrent exchanges on two replicas at the bound: %d tokens stored, the bound is %d",
			4*perWorker, n, userauth.MaxTokens)
	}
}
