package mock

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// A queued answer with execute (POST /_mock/faults) is taken only once
// the rules' match stood: when the match fails on the store (the times: 1
// rule's count not written: 20000, nothing run), no answer is used and
// the retry gets it, as on the queue's own store failure ("no answer
// used, nothing run", gateway/methods.go dispatch).
func TestQueuedAnswerSurvivesAScenarioStoreFailure(t *testing.T) {
	url := pgtest.URL(t)
	conn := pgtest.Conn(t, url)
	ctx := context.Background()
	_, c, base := sharedReplica(t, url, time.Hour, "")
	postScenario(t, base, `name: once
rules:
  - name: one marked answer
    when: {method: alipay.trade.query}
    times: 1
    then: {fields: {trade_status: WAIT_BUYER_PAY}}
`)
	resp, err := http.Post(base+"/_mock/faults", "application/json", strings.NewReader(
		`{"method":"alipay.trade.query","code":"40004","sub_code":"ACQ.SYSTEM_ERROR","sub_msg":"queued once","execute":true}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /_mock/faults: %s %s", resp.Status, b)
	}
	// The next write of the scenarios' state fails once.
	if _, err := conn.Exec(ctx, `
CREATE SEQUENCE queued_q;
CREATE FUNCTION queued_q_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF nextval('queued_q') = 1 THEN
		RAISE EXCEPTION 'test: the scenarios state is not written';
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER queued_q_once BEFORE UPDATE ON alipay_mock_kv
	FOR EACH ROW WHEN (OLD.kind = 'scenarios') EXECUTE FUNCTION queued_q_once();`); err != nil {
		t.Fatal(err)
	}
	_, err = c.Query(ctx, client.QueryRequest{OutTradeNo: "NO-SUCH"})
	if err == nil || !strings.Contains(err.Error(), "20000") {
		t.Fatalf("the call whose count was not stored: %v, want 20000", err)
	}
	// Nothing ran and no answer was used: the retry gets the queued one.
	_, err = c.Query(ctx, client.QueryRequest{OutTradeNo: "NO-SUCH"})
	if err == nil || !strings.Contains(err.Error(), "queued once") {
		t.Fatalf("the retry after a 20000: %v, want the queued answer (taken by the request that failed before it)", err)
	}
}
