package pgstore_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// An app registration the database refuses (POST /_mock/apps) is 503,
// not 400: the body was right, the store failed.
func TestAppTheDatabaseRefusedIs503(t *testing.T) {
	rs, dbURL := replicasAt(t, 1, mock.Options{})
	m := rs[0]
	conn := pgtest.Conn(t, dbURL)
	ctx := context.Background()
	for _, q := range []string{
		`CREATE FUNCTION apps_unwritable() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.kind = 'apps' THEN RAISE EXCEPTION 'apps unwritable'; END IF; RETURN NEW; END $$`,
		`CREATE TRIGGER apps_unwritable BEFORE INSERT OR UPDATE ON alipay_mock_kv FOR EACH ROW EXECUTE FUNCTION apps_unwritable()`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	body, _ := json.Marshal(map[string]string{"app_id": "2021000000000917",
		"public_key": string(keys.DevFile("app_public_key.pem")), "sign_type": "RSA2"})
	m.Control(http.MethodPost, "/apps", string(body), http.StatusServiceUnavailable)
	if list := m.Control(http.MethodGet, "/apps", nil, http.StatusOK); strings.Contains(string(list), "2021000000000917") {
		t.Errorf("an app the database refused is listed: %s", list)
	}
}
