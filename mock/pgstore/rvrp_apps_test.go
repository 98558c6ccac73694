package pgstore_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// An app the database does not take (POST /_mock/apps) is answered 400,
// as if the request were wrong (control.addApp answers every AddText
// error 400, apps.add's "not stored" included): a client retrying only
// on 5xx, or a person reading the answer, is told to fix a body that
// was right. The rule is 503 for a store failure.
func TestRvrpAppTheDatabaseRefusedIs503(t *testing.T) {
	rs, dbURL := replicasAt(t, 1, mock.Options{})
	m := rs[0]
	conn := pgtest.Conn(t, dbURL)
	ctx := context.Background()
	for _, q := range []string{
		`CREATE FUNCTION rvrp_apps_fail() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.kind = 'apps' THEN RAISE EXCEPTION 'rvrp: apps unwritable'; END IF; RETURN NEW; END $$`,
		`CREATE TRIGGER rvrp_apps_fail BEFORE INSERT OR UPDATE ON alipay_mock_kv FOR EACH ROW EXECUTE FUNCTION rvrp_apps_fail()`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	body, _ := json.Marshal(map[string]string{"app_id": "2021000000000917",
		"public_key": string(keys.DevFile("app_public_key.pem")), "sign_type": "RSA2"})
	if st, out := rvrpDo(t, m, http.MethodPost, "/apps", string(body)); st != http.StatusServiceUnavailable {
		t.Errorf("POST /_mock/apps with the database refusing it: HTTP %d %.300s, want 503", st, out)
	}
}
