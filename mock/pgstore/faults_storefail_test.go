package pgstore_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// failFaultWrites makes every write of the stored answer queue fail (a
// trigger on its one row), until mend is called.
func failFaultWrites(t *testing.T, dbURL string) (mend func()) {
	t.Helper()
	conn := pgtest.Conn(t, dbURL)
	ctx := context.Background()
	for _, q := range []string{
		`CREATE FUNCTION faults_unwritable() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.kind = 'faults' THEN RAISE EXCEPTION 'faults row unwritable'; END IF; RETURN NEW; END $$`,
		`CREATE TRIGGER faults_unwritable BEFORE INSERT OR UPDATE ON alipay_mock_kv FOR EACH ROW EXECUTE FUNCTION faults_unwritable()`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		if _, err := conn.Exec(context.Background(), `DROP TRIGGER faults_unwritable ON alipay_mock_kv`); err != nil {
			t.Fatal(err)
		}
	}
}

// A change of the shared answer queue the database refuses (POST and
// DELETE /_mock/faults, a reset's clear) is 503, and the replica keeps
// the queue the database holds: nothing queued, nothing cleared, the
// replicas agreeing once it mends.
func TestFaultChangesTheDatabaseRefusedAre503(t *testing.T) {
	rs, dbURL := replicasAt(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	a.Control(http.MethodPost, "/faults", `{"method":"alipay.trade.query","code":"40004","sub_code":"ACQ.TRADE_NOT_EXIST"}`, http.StatusCreated)
	want := string(b.Control(http.MethodGet, "/faults", nil, http.StatusOK))
	mend := failFaultWrites(t, dbURL)

	a.Control(http.MethodPost, "/faults", `{"method":"alipay.trade.pay","code":"20000"}`, http.StatusServiceUnavailable)
	a.Control(http.MethodDelete, "/faults", nil, http.StatusServiceUnavailable)
	a.Control(http.MethodPost, "/reset", nil, http.StatusServiceUnavailable)
	mend()
	onA := string(a.Control(http.MethodGet, "/faults", nil, http.StatusOK))
	onB := string(b.Control(http.MethodGet, "/faults", nil, http.StatusOK))
	if onA != want || onB != want {
		t.Errorf("after changes the database refused: a lists %s, b %s; want the queue as stored, %s", onA, onB, want)
	}
}

// A gateway request that must use a queued answer while the database
// fails to record the use is 20000 (ACQ.SYSTEM_ERROR's kind, the result
// unknown), and the answer stays queued: an answer queued for one
// request answers one request in all, on whichever replica.
func TestQueuedAnswerTakenWhileTheDatabaseFailsIs20000AndActsOnce(t *testing.T) {
	rs, dbURL := replicasAt(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	pay(t, a, "QF1", "1.00")
	a.Control(http.MethodPost, "/faults", `{"method":"alipay.trade.query","code":"40004","sub_code":"ACQ.TRADE_NOT_EXIST","times":1}`, http.StatusCreated)
	b.Control(http.MethodGet, "/faults", nil, http.StatusOK) // b has heard of it
	mend := failFaultWrites(t, dbURL)
	if r := a.Call("alipay.trade.query", `{"out_trade_no":"QF1"}`); r["code"] != "20000" {
		t.Errorf("query on a with the queue's row unwritable: %v, want code 20000", r)
	}
	mend()
	if r := b.Call("alipay.trade.query", `{"out_trade_no":"QF1"}`); r["sub_code"] != "ACQ.TRADE_NOT_EXIST" {
		t.Errorf("query on b once the database mended: %v, want the queued answer", r)
	}
	if r := a.Call("alipay.trade.query", `{"out_trade_no":"QF1"}`); !ok(r) {
		t.Errorf("query on a after the queued answer was used: %v, want the trade", r)
	}
}
