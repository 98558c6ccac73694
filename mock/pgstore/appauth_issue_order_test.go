package pgstore_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// Two replicas issue a token for one ISV and merchant at once, neither
// having heard of the other's: a refresh on B, read at an earlier time on
// the mock's clock, and a re-authorisation on A. The test holds each
// replica's first write (the refreshed token's row, the code's row) until
// both are waiting, so each book took its request before the other's
// issue; A's is let through first. B's token, committed last, is the one
// in force on both replicas; A's is replaced (its 10 minutes, then
// invalid), though issued later on the mock's clock.
func TestReplicasTokenCommittedLastIsInForce(t *testing.T) {
	rs, url := replicasAt(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	pem := string(keys.PublicPEM(&keys.DevAppPrivateKey().PublicKey))
	const merchant = "2021000000000077"
	a.Control(http.MethodPost, "/apps", map[string]string{"app_id": merchant, "public_key": pem, "sign_type": "RSA2"}, http.StatusCreated)
	authorise := func() string {
		t.Helper()
		var code struct {
			Code string `json:"app_auth_code"`
		}
		a.ControlJSON(http.MethodPost, "/app-auth-codes", map[string]string{"app_id": keys.DevAppID, "merchant_app_id": merchant}, http.StatusCreated, &code)
		return code.Code
	}
	first := a.Call("alipay.open.auth.token.app", `{"grant_type":"authorization_code","code":"`+authorise()+`"}`)
	if !ok(first) {
		t.Fatalf("exchange: %v", first)
	}
	code := authorise()
	b.Control(http.MethodGet, "/clock", nil, http.StatusOK) // B has heard of the first token and the code

	ctx := context.Background()
	hold := func(k string) (release func(), waited func() bool) {
		conn := pgtest.Conn(t, url)
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var pid int
		if err := tx.QueryRow(ctx, `SELECT pg_backend_pid() FROM alipay_mock_kv WHERE kind = $1 AND k = $2 FOR UPDATE`,
			pgstore.KindAppAuth, k).Scan(&pid); err != nil {
			t.Fatal(err)
		}
		watch := pgtest.Conn(t, url)
		waited = func() bool {
			var n int
			if err := watch.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, pid).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n > 0
		}
		return func() { _ = tx.Rollback(ctx) }, waited
	}
	waitFor := func(what string, f func() bool) {
		t.Helper()
		deadline := time.Now().Add(mocktest.Timeout)
		for !f() {
			if time.Now().After(deadline) {
				t.Fatalf("%s never waited for the test's lock", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	type answer struct {
		m   map[string]any
		err error
	}
	call := func(m *mocktest.Mock, biz string) chan answer {
		out := make(chan answer, 1)
		go func() {
			x, err := try(m, "alipay.open.auth.token.app", biz, nil)
			out <- answer{x, err}
		}()
		return out
	}
	issued := func(what string, c chan answer) string {
		t.Helper()
		x := <-c
		if x.err != nil || !ok(x.m) {
			t.Fatalf("%s: %v %v", what, x.m, x.err)
		}
		return x.m["app_auth_token"].(string)
	}

	releaseB, bWaits := hold("token/" + first["app_auth_token"].(string))
	releaseA, aWaits := hold("code/" + code)
	refreshed := call(b, `{"grant_type":"refresh_token","refresh_token":"`+first["app_refresh_token"].(string)+`"}`)
	waitFor("B's refresh", bWaits)
	a.Advance("1s") // A's issue is the later on the mock's clock
	reauthorised := call(a, `{"grant_type":"authorization_code","code":"`+code+`"}`)
	waitFor("A's exchange", aWaits)
	releaseA()
	tokA := issued("A's exchange", reauthorised)
	releaseB()
	tokB := issued("B's refresh", refreshed)

	for i, r := range rs {
		r.Control(http.MethodGet, "/clock", nil, http.StatusOK) // each has heard of both
		var ts []struct {
			Token    string     `json:"app_auth_token"`
			Replaced *time.Time `json:"replaced_at"`
		}
		r.ControlJSON(http.MethodGet, "/app-auth-tokens?app_id="+keys.DevAppID, nil, http.StatusOK, &ts)
		var inForce []string
		for _, x := range ts {
			if x.Replaced == nil {
				inForce = append(inForce, x.Token)
			}
		}
		if len(inForce) != 1 || inForce[0] != tokB {
			t.Errorf("replica %d: tokens in force %v; want only B's %s, committed last (A's is %s)", i, inForce, tokB, tokA)
		}
	}
	a.Advance("11m")
	for i, r := range rs {
		r.Control(http.MethodGet, "/clock", nil, http.StatusOK)
		for tok, want := range map[string]string{tokB: "valid", tokA: "invalid"} {
			q, err := try(r, "alipay.open.auth.token.app.query", `{"app_auth_token":"`+tok+`"}`, nil)
			if err != nil || q["status"] != want {
				t.Errorf("replica %d, 11 minutes on: token %s is %v %v (%v); want %s", i, tok, q["status"], q["sub_code"], err, want)
			}
		}
	}
}
