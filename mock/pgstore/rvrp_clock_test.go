package pgstore_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// A clock change the database does not take (mock/replicas.go: OnJump
// calls PutClock and drops its error, "the store reports failures") is
// answered 200 and moves only the replica asked: the others keep the
// stored clock, and stay apart after the database mends, so a trade's
// expiry or a notification's retry falls due on one replica and not on
// another. The rule is 503 for a store failure, and one clock for all.
func TestRvrpClockChangeTheDatabaseRefusedIs503AndKeepsReplicasTogether(t *testing.T) {
	rs, dbURL := replicasAt(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	conn := pgtest.Conn(t, dbURL)
	ctx := context.Background()
	for _, q := range []string{
		`CREATE FUNCTION rvrp_clock_fail() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.k = 'clock' THEN RAISE EXCEPTION 'rvrp: clock row unwritable'; END IF; RETURN NEW; END $$`,
		`CREATE TRIGGER rvrp_clock_fail BEFORE INSERT OR UPDATE ON alipay_mock_meta FOR EACH ROW EXECUTE FUNCTION rvrp_clock_fail()`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	before := b.Srv.Clock.Now()
	if st, body := rvrpDo(t, a, http.MethodPost, "/clock/advance", `{"by":"25h"}`); st != http.StatusServiceUnavailable {
		t.Errorf("POST /_mock/clock/advance with the database refusing the clock: HTTP %d %.200s, want 503", st, body)
	}
	if _, err := conn.Exec(ctx, `DROP TRIGGER rvrp_clock_fail ON alipay_mock_meta`); err != nil {
		t.Fatal(err)
	}
	// Any control request on b waits for every announcement committed
	// before it.
	b.Control(http.MethodGet, "/clock", nil, http.StatusOK)
	if da, db := a.Srv.Clock.Now(), b.Srv.Clock.Now(); da.Sub(db) > time.Hour || db.Sub(da) > time.Hour {
		t.Errorf("after a clock change the database refused, a reads %v and b %v (b read %v before): replicas on two clocks", da, db, before)
	}
}
