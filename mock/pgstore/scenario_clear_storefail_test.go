package pgstore_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// With --store, a scenario change the database failed (DELETE or POST
// /_mock/scenarios) answers 503, not 200 or 201, and is not made on this
// replica either: what is listed is what the database holds.
func TestScenarioChangeStoreFailedIs503(t *testing.T) {
	rs, dbURL := replicasAt(t, 1, mock.Options{})
	a := rs[0]
	a.Control(http.MethodPost, "/scenarios?name=twice",
		"rules:\n  - name: r\n    when: {method: alipay.trade.query}\n    then: {respond: {code: \"20000\"}}\n    times: 2\n", http.StatusCreated)
	conn := pgtest.Conn(t, dbURL)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `ALTER TABLE alipay_mock_kv RENAME TO alipay_mock_kv_away`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), `ALTER TABLE alipay_mock_kv_away RENAME TO alipay_mock_kv`)
	})
	req, _ := http.NewRequest(http.MethodDelete, a.URL+"/_mock/scenarios", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("DELETE /_mock/scenarios with the database failing: HTTP %d, want 503", resp.StatusCode)
	}
	resp, err = http.Post(a.URL+"/_mock/scenarios?name=other", "application/yaml",
		strings.NewReader("rules:\n  - name: r\n    when: {method: alipay.trade.close}\n    then: {respond: {code: \"20000\"}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("POST /_mock/scenarios with the database failing: HTTP %d, want 503", resp.StatusCode)
	}
	var names []string
	for _, st := range a.Srv.Scenarios.List()[""] {
		if !st.Builtin {
			names = append(names, st.File.Name)
		}
	}
	if len(names) != 1 || names[0] != "twice" {
		t.Errorf("scenarios in force after a failed clear and a failed add: %v, want [twice] (neither was made)", names)
	}
}
