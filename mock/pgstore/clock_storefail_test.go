package pgstore_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// A clock change the database refuses is 503 and leaves the clock where
// it was: the replicas stay on the one stored clock.
func TestClockChangeTheDatabaseRefusedIs503AndKeepsReplicasTogether(t *testing.T) {
	rs, dbURL := replicasAt(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	a.Control(http.MethodPost, "/clock", `{"speed":0}`, http.StatusOK)
	b.Control(http.MethodGet, "/clock", nil, http.StatusOK) // b has heard
	before := a.Srv.Clock.Now()
	conn := pgtest.Conn(t, dbURL)
	ctx := context.Background()
	for _, q := range []string{
		`CREATE FUNCTION clock_unwritable() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.k = 'clock' THEN RAISE EXCEPTION 'clock row unwritable'; END IF; RETURN NEW; END $$`,
		`CREATE TRIGGER clock_unwritable BEFORE INSERT OR UPDATE ON alipay_mock_meta FOR EACH ROW EXECUTE FUNCTION clock_unwritable()`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	a.Control(http.MethodPost, "/clock/advance", `{"by":"25h"}`, http.StatusServiceUnavailable)
	a.Control(http.MethodPost, "/clock", `{"set":"2030-01-01 00:00:00","speed":60}`, http.StatusServiceUnavailable)
	if _, err := conn.Exec(ctx, `DROP TRIGGER clock_unwritable ON alipay_mock_meta`); err != nil {
		t.Fatal(err)
	}
	b.Control(http.MethodGet, "/clock", nil, http.StatusOK) // waits for what was announced before it
	if ta, tb := a.Srv.Clock.Now(), b.Srv.Clock.Now(); !ta.Equal(before) || !tb.Equal(before) {
		t.Errorf("after clock changes the database refused, a reads %v and b %v; want both still at %v", ta, tb, before)
	}
}
