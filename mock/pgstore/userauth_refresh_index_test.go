package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/appauth"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// storeUserTokens puts sign-in pairs from..to-1 in the database, as
// replicas would have.
func storeUserTokens(t *testing.T, conn *pgx.Conn, from, to int) {
	t.Helper()
	rows := make([][]any, 0, to-from)
	for i := from; i < to; i++ {
		tok := userauth.Token{AccessToken: fmt.Sprintf("authusrB%029dX%02d", i, 80), RefreshToken: fmt.Sprintf("authusrB%029dY%02d", i, 80),
			AppID: keys.DevAppID, UserID: "2088102177846880", Scope: userauth.ScopeUser, AuthStart: mocktest.Epoch,
			Made: int64(i + 1), Expires: mocktest.Epoch.Add(userauth.TokenLifetime), RefreshExpires: mocktest.Epoch.Add(userauth.RefreshLifetime)}
		data, err := json.Marshal(tok)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, []any{pgstore.KindUserAuth, "token/" + tok.AccessToken, data})
	}
	if _, err := conn.CopyFrom(context.Background(), pgx.Identifier{"alipay_mock_kv"}, []string{"kind", "k", "data"}, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
}

// A refresh token no pair holds (alipay.system.oauth.token with
// grant_type refresh_token, looked up while the book's lock is held) reads
// as few database pages with 4,000 stored pairs as with 100: an index
// finds it, not a scan of every sign-in row. It counts buffers (EXPLAIN
// ANALYZE), not time.
func TestUnknownRefreshTokenReadsNoSignInRows(t *testing.T) {
	unknownRefreshReadsNoRows(t, pgstore.UserTokenByRefreshQuery, "authusrB00000000000000000000000000000Z80", storeUserTokens)
}

// The same for an app_auth_token's refresh token (alipay.open.auth.token.app
// with grant_type refresh_token).
func TestUnknownAppRefreshTokenReadsNoTokenRows(t *testing.T) {
	unknownRefreshReadsNoRows(t, pgstore.TokenByRefreshQuery, "202512BB00000000000000000000000000000Z80", storeAppTokens)
}

// storeAppTokens puts app_auth_tokens from..to-1 in the database, as
// replicas would have.
func storeAppTokens(t *testing.T, conn *pgx.Conn, from, to int) {
	t.Helper()
	rows := make([][]any, 0, to-from)
	for i := from; i < to; i++ {
		tok := appauth.Token{AppAuthToken: fmt.Sprintf("202512BB%029dX%02d", i, 80), RefreshToken: fmt.Sprintf("202512BB%029dY%02d", i, 80),
			ISVAppID: keys.DevAppID, Merchant: appauth.Merchant{AuthAppID: fmt.Sprintf("2021%012d", i)},
			Gen: 1, Created: mocktest.Epoch}
		data, err := json.Marshal(tok)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, []any{pgstore.KindAppAuth, "token/" + tok.AppAuthToken, data})
	}
	if _, err := conn.CopyFrom(context.Background(), pgx.Identifier{"alipay_mock_kv"}, []string{"kind", "k", "data"}, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
}

// unknownRefreshReadsNoRows stores 100 rows, then 4,000, and compares the
// buffers query reads for a refresh token none holds.
func unknownRefreshReadsNoRows(t *testing.T, query, unknown string, store func(*testing.T, *pgx.Conn, int, int)) {
	url := pgURL(t)
	openDB(t, url) // the schema
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	buffers := func() int {
		if _, err := conn.Exec(ctx, "ANALYZE alipay_mock_kv"); err != nil {
			t.Fatal(err)
		}
		var raw []byte
		if err := conn.QueryRow(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+query, unknown).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var plan []struct {
			Plan map[string]any `json:"Plan"`
		}
		if err := json.Unmarshal(raw, &plan); err != nil || len(plan) == 0 {
			t.Fatalf("%v in %s", err, raw)
		}
		hit, _ := plan[0].Plan["Shared Hit Blocks"].(float64)
		read, _ := plan[0].Plan["Shared Read Blocks"].(float64)
		return int(hit + read)
	}
	store(t, conn, 0, 100)
	small := buffers()
	store(t, conn, 100, 4000)
	large := buffers()
	t.Logf("an unknown refresh token: %d buffers with 100 rows stored, %d with 4,000", small, large)
	if large > small+small/5+3 {
		t.Errorf("an unknown refresh token reads %d buffers with 4,000 rows stored against %d with 100: it scans the rows", large, small)
	}
}
