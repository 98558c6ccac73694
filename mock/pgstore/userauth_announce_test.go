package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// A sign-in write is announced with the keys it wrote, and each replica
// reads those rows only: one auth_code costs the process running both
// replicas about as much with 4,000 tokens stored (a quarter of the
// bound, put as another replica would) as with none. Read whole on every
// announcement, the kind cost each replica every stored row (decoded and
// restored under the book's lock, on its one listening goroutine) three
// times a login. It counts allocations, not time.
func TestOneSignInCodeCostsReplicasOnlyItsRow(t *testing.T) {
	rs, dbURL := replicasAt(t, 2, mock.Options{})
	cost := func() uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range 5 {
			grantUserCode(t, rs[0], "2088102177846880")
			for _, m := range rs {
				m.Control(http.MethodGet, "/clock", nil, http.StatusOK) // waits for the announcements
			}
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	base := cost()

	const n = 4000
	storeUserTokens(t, pgtest.Conn(t, dbURL), 0, n)
	grantUserCode(t, rs[0], "2088102177846880")
	for _, m := range rs {
		m.Control(http.MethodGet, "/clock", nil, http.StatusOK)
	}
	loaded := cost()
	t.Logf("5 auth_codes: %d KB allocated with no tokens stored, %d KB with %d", base>>10, loaded>>10, n)
	if loaded > 4*base {
		t.Errorf("5 auth_codes cost %d KB with %d tokens stored, %d KB with none: each code re-reads every stored token on every replica", loaded>>10, n, base>>10)
	}
}

// A replica whose listening connection dropped while a pair it holds was
// refreshed on another (the announcements it missed carried the keys)
// reads every sign-in row when it listens again: the old token stops
// working there too.
func TestReplicaThatMissedASignInRefreshDropsTheOldPairWhenItListensAgain(t *testing.T) {
	url := pgURL(t)
	// Replica B names its connections, so the test can drop its listener only.
	bURL := url + "?application_name=replica_b"
	if strings.Contains(url, "?") {
		bURL = url + "&application_name=replica_b"
	}
	rs := []*mocktest.Mock{mocktest.New(t, mock.Options{Store: url}), mocktest.New(t, mock.Options{Store: bURL})}
	x := exchangeCode(t, rs[0], grantUserCode(t, rs[0], "2088102177846880"))
	token, _ := x["access_token"].(string)
	refresh, _ := x["refresh_token"].(string)
	if u := userInfo(t, rs[1], token); u["code"] != "10000" {
		t.Fatalf("replica B: the token replica A issued: %v", u)
	}
	conn := pgtest.Conn(t, url)
	// B's listening connection holds the policies' advisory lock shared
	// (none is stored). Ended once this returns (it waits up to 5 s); B
	// listens again a second later.
	var ended int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE pg_terminate_backend(a.pid, 5000))
		FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
		WHERE a.application_name = 'replica_b' AND l.locktype = 'advisory' AND l.objid = 7262865 AND l.mode = 'ShareLock'`).Scan(&ended); err != nil || ended != 1 {
		t.Fatalf("ending replica B's listening connection: %d ended, %v", ended, err)
	}
	if r := refreshToken(t, rs[0], refresh); r["access_token"] == nil {
		t.Fatalf("refresh on replica A: %v", r)
	}
	// Each control request waits for B's listener (up to 2 s while it is
	// down; it listens again a second after it was ended).
	deadline := time.Now().Add(mocktest.Timeout)
	for {
		rs[1].Control(http.MethodGet, "/clock", nil, http.StatusOK)
		u := userInfo(t, rs[1], token)
		if subCode(u) == "aop.invalid-auth-token" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica B still answers the refreshed pair's old token after listening again: %v", u)
		}
	}
}

// A replica that starts with more sign-in codes stored than its bound
// deletes the oldest past it for all, in one write: its announcement of
// some hundreds of keys is split to fit PostgreSQL's 8,000-byte notices
// (one too long fails the write, and the rows would stay).
func TestReplicaStartPastTheCodeBoundDeletesTheOldestForAll(t *testing.T) {
	url := pgURL(t)
	a := mocktest.New(t, mock.Options{Store: url})
	const extra = 300
	rows := make([][]any, userauth.MaxCodes+extra)
	for i := range rows {
		c := userauth.Code{Code: fmt.Sprintf("%028xTX80", i), AppID: keys.DevAppID, UserID: "2088102177846880", Scope: userauth.ScopeBase,
			Created: mocktest.Epoch, Made: int64(i + 1), Expires: mocktest.Epoch.Add(userauth.CodeLifetime)}
		data, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		rows[i] = []any{pgstore.KindUserAuth, "code/" + c.Code, data}
	}
	conn := pgtest.Conn(t, url)
	ctx := context.Background()
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"alipay_mock_kv"}, []string{"kind", "k", "data"}, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	mocktest.New(t, mock.Options{Store: url})
	var n int
	var oldest string
	if err := conn.QueryRow(ctx, `SELECT count(*), min(k) FROM alipay_mock_kv WHERE kind = 'userauth' AND k LIKE 'code/%'`).Scan(&n, &oldest); err != nil {
		t.Fatal(err)
	}
	if want := "code/" + fmt.Sprintf("%028xTX80", extra); n != userauth.MaxCodes || oldest != want {
		t.Errorf("after a replica started with %d codes stored: %d stored, the oldest %s; want %d, the oldest %s",
			userauth.MaxCodes+extra, n, oldest, userauth.MaxCodes, want)
	}
	a.Control(http.MethodGet, "/clock", nil, http.StatusOK) // the other replica heard them
}
