package pgstore_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// With --store, a balance the database could not read or set is the
// store's failure, not the opening balance nor a bad amount:
// alipay.fund.account.query answers 20000, GET and POST
// /_mock/apps/{app_id}/balance 503.
func TestBalanceStoreFailedIsNotTheOpeningBalance(t *testing.T) {
	rs, dbURL := replicasAt(t, 1, mock.Options{FundPublicKey: true})
	m := rs[0]
	m.Control(http.MethodPost, "/apps/"+keys.DevAppID+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
	app, _ := m.Srv.Apps.Get(keys.DevAppID)
	conn := pgtest.Conn(t, dbURL)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `ALTER TABLE alipay_mock_fund_merchants RENAME TO alipay_mock_fund_merchants_away`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), `ALTER TABLE alipay_mock_fund_merchants_away RENAME TO alipay_mock_fund_merchants`)
	})
	r, err := try(m, "alipay.fund.account.query", `{"alipay_user_id":"`+app.Seller.UserID+`","account_type":"ACCTRANS_ACCOUNT"}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r["code"] != "20000" {
		t.Errorf("alipay.fund.account.query with the database failing: %v, want 20000", r)
	}
	status, body := get(t, m, "/_mock/apps/"+keys.DevAppID+"/balance")
	if status != http.StatusServiceUnavailable {
		t.Errorf("GET balance with the database failing: HTTP %d %s, want 503", status, body)
	}
	resp, err := http.Post(m.URL+"/_mock/apps/"+keys.DevAppID+"/balance", "application/json", bytes.NewBufferString(`{"available_amount":"5.00"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("POST balance with the database failing: HTTP %d %s, want 503", resp.StatusCode, b)
	}
}
