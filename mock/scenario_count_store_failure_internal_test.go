package mock

// A stateful scenario whose count the store failed to write.

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

// A `times: 1` rule counts its calls in the store (Engine.change). When
// the count's write-back fails, the call is answered as a store failure
// (20000) with no rule acting, and the rule acts once, on a later call:
// it neither acts on the failure nor, the count lost, again.
func TestScenarioCountNotStoredIsAStoreFailureAndActsOnce(t *testing.T) {
	url := pgtest.URL(t)
	conn := pgtest.Conn(t, url)
	ctx := context.Background()
	_, c, base := sharedReplica(t, url, time.Hour, "")
	const yaml = `name: once
rules:
  - name: one refusal
    when: {method: alipay.trade.query}
    times: 1
    then: {respond: {code: "40004", sub_code: "ACQ.SYSTEM_ERROR", sub_msg: "scripted once"}}
`
	resp, err := http.Post(base+"/_mock/scenarios", "application/yaml", strings.NewReader(yaml))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST /_mock/scenarios: %s %s", resp.Status, b)
	}
	// The next write of the scenarios' state fails once.
	if _, err := conn.Exec(ctx, `
CREATE SEQUENCE review_scn;
CREATE FUNCTION review_scn_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF nextval('review_scn') = 1 THEN
		RAISE EXCEPTION 'review: the scenarios state is not written';
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER review_scn_once BEFORE UPDATE ON alipay_mock_kv
	FOR EACH ROW WHEN (OLD.kind = 'scenarios') EXECUTE FUNCTION review_scn_once();`); err != nil {
		t.Fatal(err)
	}
	scripted := 0
	for i := 0; i < 3; i++ {
		_, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "NO-SUCH"})
		t.Logf("query %d: %v", i+1, err)
		if i == 0 && (err == nil || !strings.Contains(err.Error(), "20000")) {
			t.Fatalf("the call whose count was not stored: %v, want 20000", err)
		}
		if err != nil && strings.Contains(err.Error(), "scripted once") {
			scripted++
		}
	}
	if scripted != 1 {
		t.Fatalf("a times: 1 rule answered %d calls, want 1", scripted)
	}
}
