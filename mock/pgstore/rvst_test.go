package pgstore_test

import (
	"context"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// rv-st: --no-dev-app on a shared --store leaves the stored dev app out of
// the registry (Restore, Checks.NoDevKey), but a gateway call naming it is
// answered after apps.Registry.Find reads it back from the database with
// checkKeys alone: the app whose private key is public is served again.
func TestRvstNoDevAppReplicaServesStoredDevAppThroughFind(t *testing.T) {
	url := pgURL(t)
	mocktest.New(t, mock.Options{Store: url}) // stores the shipped dev apps
	m := mocktest.New(t, mock.Options{Store: url, NoDevApp: true})
	var list []map[string]any
	m.ControlJSON(http.MethodGet, "/apps", nil, http.StatusOK, &list)
	for _, a := range list {
		if a["app_id"] == keys.DevAppID {
			t.Fatalf("precondition: --no-dev-app lists the dev app: %v", list)
		}
	}
	r, err := try(m, "alipay.trade.precreate", `{"out_trade_no":"RVST1","total_amount":"1.00","subject":"s"}`, nil)
	if err == nil && ok(r) {
		t.Fatalf("--no-dev-app replica served the dev app %s read from the store: %v", keys.DevAppID, r)
	}
	if err == nil || !strings.Contains(err.Error(), "isv.invalid-app-id") {
		t.Errorf("dev app on a --no-dev-app replica: %v %v, want isv.invalid-app-id", r, err)
	}
	var after []map[string]any
	m.ControlJSON(http.MethodGet, "/apps", nil, http.StatusOK, &after)
	for _, a := range after {
		if a["app_id"] == keys.DevAppID {
			t.Errorf("after one call the --no-dev-app replica lists the dev app: %v", after)
		}
	}
}

// rv-st: the notifications' follow (followShared, Outbox.Changed) reads
// rows by their update number, and a row's number is drawn when its insert
// runs, not when it commits: replica c's insert that drew S but committed
// after a's that drew S+1 is passed over by a follow that read between the
// commits. GET /_mock/notifications/{id} reads the row (the fallback), but
// the list on that replica does not show it until the row is written again
// (or read by id),
// though docs/replicas.md says a notification is shown by any replica
// right after the answer that made it. Here c's late commit is played by a
// connection that draws S, waits for the follow, then inserts a copy of a
// stored row under a new id.
func TestRvstNotificationCommittedLateIsNotListedByTheFollowingReplica(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "success")
	rs, url := replicasAt(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	pay := func(out string) {
		t.Helper()
		r, err := try(a, "alipay.trade.pay", `{"out_trade_no":"`+out+`","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
			func(p map[string]string) { p["notify_url"] = merchant.URL })
		if err != nil || !ok(r) {
			t.Fatalf("pay %s: %v %v", out, r, err)
		}
	}
	pay("RVSTN1")
	ctx := context.Background()
	conn := pgtest.Conn(t, url)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	var s int64
	if err := tx.QueryRow(ctx, `SELECT nextval('alipay_mock_notification_updates')`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	pay("RVSTN2") // draws a later number and commits first
	var list []notify.Notification
	b.ControlJSON(http.MethodGet, "/notifications", nil, http.StatusOK, &list) // b's follow passes S
	if _, err := tx.Exec(ctx, `INSERT INTO alipay_mock_notifications (id, app_id, state, next_at, data, updated)
		SELECT 'RVSTLATE', app_id, state, next_at,
			convert_to(jsonb_set(convert_from(data, 'UTF8')::jsonb, '{id}', '"RVSTLATE"')::text, 'UTF8'), $1
		FROM alipay_mock_notifications WHERE convert_from(data, 'UTF8')::jsonb->>'out_trade_no' = 'RVSTN1'`, s); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	b.ControlJSON(http.MethodGet, "/notifications", nil, http.StatusOK, &list)
	found := false
	for _, n := range list {
		found = found || n.ID == "RVSTLATE"
	}
	if !found {
		t.Errorf("b's GET /_mock/notifications does not list the notification committed after a later-numbered one (%d listed), though its GET by id shows it", len(list))
	}
}
