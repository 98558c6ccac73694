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

// onceRefusalScenario refuses the first query, once (times: 1), with
// sub_msg "scripted once".
const onceRefusalScenario = `name: once
rules:
  - name: one refusal
    when: {method: alipay.trade.query}
    times: 1
    then: {respond: {code: "40004", sub_code: "ACQ.SYSTEM_ERROR", sub_msg: "scripted once"}}
`

// A `times: 1` rule counts its calls in the store (Engine.change). When
// the count's write-back fails, the call is answered as a store failure
// (20000) with no rule acting, and the rule acts once, on a later call:
// it neither acts on the failure nor, the count lost, again.
func TestScenarioCountNotStoredIsAStoreFailureAndActsOnce(t *testing.T) {
	url := pgtest.URL(t)
	conn := pgtest.Conn(t, url)
	ctx := context.Background()
	_, c, base := sharedReplica(t, url, time.Hour, "")
	postScenario(t, base, onceRefusalScenario)
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

// When the scenarios' row cannot be read at all, a request that reaches a
// stateful rule answers 20000 with no rule acting; one that reaches only
// stateless rules is answered by the one that acts, from the replica's
// copy of the files.
func TestScenarioStateNotReadFailsStatefulRulesOnly(t *testing.T) {
	url := pgtest.URL(t)
	conn := pgtest.Conn(t, url)
	ctx := context.Background()
	_, c, base := sharedReplica(t, url, time.Hour, "")
	const yaml = `name: mixed
rules:
  - name: stateless
    when: {method: alipay.trade.query, biz: {out_trade_no: STATELESS}}
    then: {respond: {code: "40004", sub_code: "ACQ.SYSTEM_ERROR", sub_msg: "scripted always"}}
  - name: one refusal
    when: {method: alipay.trade.query}
    times: 1
    then: {respond: {code: "40004", sub_code: "ACQ.SYSTEM_ERROR", sub_msg: "scripted once"}}
`
	postScenario(t, base, yaml)
	// Every read of the scenarios' state fails from now on (its first
	// statement, which makes the row when missing, is refused).
	if _, err := conn.Exec(ctx, `
CREATE FUNCTION scn_unreadable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the scenarios state is not read';
END $$;
CREATE TRIGGER scn_unreadable BEFORE INSERT ON alipay_mock_kv
	FOR EACH ROW WHEN (NEW.kind = 'scenarios') EXECUTE FUNCTION scn_unreadable();`); err != nil {
		t.Fatal(err)
	}
	_, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "STATELESS"})
	if err == nil || !strings.Contains(err.Error(), "scripted always") {
		t.Fatalf("a request only a stateless rule acts on: %v, want its answer", err)
	}
	_, err = c.Query(ctx, client.QueryRequest{OutTradeNo: "NO-SUCH"})
	if err == nil || !strings.Contains(err.Error(), "20000") {
		t.Fatalf("a request that reaches the times: 1 rule: %v, want 20000", err)
	}
}

// postScenario adds a scenario through the control API.
func postScenario(t *testing.T, base, yaml string) {
	t.Helper()
	resp, err := http.Post(base+"/_mock/scenarios", "application/yaml", strings.NewReader(yaml))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST /_mock/scenarios: %s %s", resp.Status, b)
	}
}
