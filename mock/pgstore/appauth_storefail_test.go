package pgstore_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// With --store, an app_auth_token or app_auth_code the database could not
// look up (another replica may have made it) is the store's failure
// (20000, 系统繁忙), not a verdict that it is invalid; a code the database
// failed to keep is 503 at POST /_mock/app-auth-codes.
func TestAppAuthLookupStoreFailedIsNotAVerdict(t *testing.T) {
	rs, dbURL := replicasAt(t, 1, mock.Options{})
	a := rs[0]
	conn := pgtest.Conn(t, dbURL)
	if _, err := conn.Exec(context.Background(), `ALTER TABLE alipay_mock_kv RENAME TO alipay_mock_kv_away`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), `ALTER TABLE alipay_mock_kv_away RENAME TO alipay_mock_kv`)
	})
	q, err := try(a, "alipay.trade.query", `{"out_trade_no":"nothing"}`, func(p map[string]string) { p["app_auth_token"] = "202612BBmadeOnAnotherReplica" })
	if err != nil {
		t.Fatal(err)
	}
	if q["code"] != "20000" {
		t.Errorf("app_auth_token lookup with the database failing: %v, want 20000 (the store's failure), not a verdict on the token", q)
	}
	x, err := try(a, "alipay.open.auth.token.app", `{"grant_type":"authorization_code","code":"madeOnAnotherReplica"}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if x["code"] != "20000" {
		t.Errorf("app_auth_code exchange with the database failing: %v, want 20000, not a verdict on the code", x)
	}
	// Making a code the database failed to store is 500 (control's
	// authorise), where every other store failure now answers 503.
	resp, err := http.Post(a.URL+"/_mock/app-auth-codes", "application/json", strings.NewReader(`{"app_id":"`+keys.DevAppID+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("POST /_mock/app-auth-codes with the database failing: HTTP %d, want 503", resp.StatusCode)
	}
}
