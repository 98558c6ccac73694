package pgstore_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// rvrpDo sends a control request and returns its status and body, without
// failing the test.
func rvrpDo(t *testing.T, m *mocktest.Mock, method, path, body string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, m.URL+"/_mock"+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// rvrpFailFaultWrites makes every write of the stored answer queue fail
// (a trigger on its one row), until mend is called.
func rvrpFailFaultWrites(t *testing.T, dbURL string) (mend func()) {
	t.Helper()
	conn := pgtest.Conn(t, dbURL)
	ctx := context.Background()
	for _, q := range []string{
		`CREATE FUNCTION rvrp_fail() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.kind = 'faults' THEN RAISE EXCEPTION 'rvrp: faults row unwritable'; END IF; RETURN NEW; END $$`,
		`CREATE TRIGGER rvrp_fail BEFORE INSERT OR UPDATE ON alipay_mock_kv FOR EACH ROW EXECUTE FUNCTION rvrp_fail()`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		if _, err := conn.Exec(context.Background(), `DROP TRIGGER rvrp_fail ON alipay_mock_kv`); err != nil {
			t.Fatal(err)
		}
	}
}

// The shared queue of answers (POST /_mock/faults) falls back to the
// replica's memory when the database does not take a change
// (gateway/sharedqueue.go, change: "g alone if the store fails"): a
// queued answer the database never stored is answered 201, a clear it
// never made is answered 200 and the cleared answers come back once the
// database mends. The rule is 503, never a success.
func TestRvrpFaultChangesTheDatabaseRefusedAre503(t *testing.T) {
	rs, dbURL := replicasAt(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	a.Control(http.MethodPost, "/faults", `{"method":"alipay.trade.query","code":"40004","sub_code":"ACQ.TRADE_NOT_EXIST"}`, http.StatusCreated)
	mend := rvrpFailFaultWrites(t, dbURL)

	if st, body := rvrpDo(t, a, http.MethodPost, "/faults", `{"method":"alipay.trade.pay","code":"20000"}`); st != http.StatusServiceUnavailable {
		t.Errorf("POST /_mock/faults with the database refusing it: HTTP %d %s, want 503", st, body)
	}
	if st, body := rvrpDo(t, a, http.MethodDelete, "/faults", ""); st != http.StatusServiceUnavailable {
		t.Errorf("DELETE /_mock/faults with the database refusing it: HTTP %d %s, want 503", st, body)
	}
	// A reset clears the queue too (shared.Deps.Reset's ForgetAnswers),
	// and reports no failure of it.
	if st, body := rvrpDo(t, a, http.MethodPost, "/reset", ""); st != http.StatusServiceUnavailable {
		t.Errorf("POST /_mock/reset with the database refusing to clear the queue: HTTP %d %s, want 503", st, body)
	}
	mend()
	// Whatever a answered, what is queued must be what it said: a clear
	// answered 200 must not come back.
	_, onA := rvrpDo(t, a, http.MethodGet, "/faults", "")
	_, onB := rvrpDo(t, b, http.MethodGet, "/faults", "")
	t.Logf("after the database mended: a lists %s, b lists %s", onA, onB)
	if onA != onB {
		t.Errorf("replicas disagree on the queue after a change the database refused: a %s, b %s", onA, onB)
	}
}

// A gateway request that must take from the shared queue while the
// database fails takes from the replica's own copy instead: the answer
// queued for one request answers it, and then answers another request
// on the other replica once the database mends, two in all. The rule is
// 20000 for a store failure, and N requests for an answer queued for N.
func TestRvrpQueuedAnswerTakenWhileTheDatabaseFailsActsOnce(t *testing.T) {
	rs, dbURL := replicasAt(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	pay(t, a, "RVF1", "1.00")
	a.Control(http.MethodPost, "/faults", `{"method":"alipay.trade.query","code":"40004","sub_code":"ACQ.TRADE_NOT_EXIST","times":1}`, http.StatusCreated)
	deadline := time.Now().Add(10 * time.Second)
	for len(b.Srv.Faults.List()) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("b did not hear of the queued answer")
		}
		time.Sleep(10 * time.Millisecond)
	}
	mend := rvrpFailFaultWrites(t, dbURL)
	forced := 0
	r := a.Call("alipay.trade.query", `{"out_trade_no":"RVF1"}`)
	t.Logf("query on a with the queue's row unwritable: %v", r)
	if r["sub_code"] == "ACQ.TRADE_NOT_EXIST" {
		forced++
	}
	mend()
	r = b.Call("alipay.trade.query", `{"out_trade_no":"RVF1"}`)
	t.Logf("query on b once the database mended: %v", r)
	if r["sub_code"] == "ACQ.TRADE_NOT_EXIST" {
		forced++
	}
	if forced > 1 {
		t.Errorf("an answer queued for one request answered %d", forced)
	}
}
