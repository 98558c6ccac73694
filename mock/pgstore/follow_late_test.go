package pgstore_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// A notification's row takes its update number when its statement runs and
// becomes visible when its transaction commits: one that drew a number and
// commits after a later-numbered one must still be listed by a replica whose
// follow ran between the two commits. The late commit is played by a
// connection that draws a number, waits while another payment commits and
// replica b follows past it, then inserts a copy of a stored row under a new
// id with that number.
func TestReplicasListANotificationCommittedAfterALaterNumberedOne(t *testing.T) {
	// Its transaction has an id before it draws the number (the follow's
	// horizon stays below it and the later one's row until it ends), or
	// only when it inserts.
	for _, early := range []bool{true, false} {
		name := "id-at-insert"
		if early {
			name = "id-before-draw"
		}
		t.Run(name, func(t *testing.T) { committedLate(t, early) })
	}
}

func committedLate(t *testing.T, early bool) {
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
	pay("LATE1")
	ctx := context.Background()
	conn := pgtest.Conn(t, url)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if early {
		if _, err := tx.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil {
			t.Fatal(err)
		}
	}
	var s int64
	if err := tx.QueryRow(ctx, `SELECT nextval('alipay_mock_notification_updates')`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	pay("LATE2") // draws a later number and commits first
	var list []notify.Notification
	b.ControlJSON(http.MethodGet, "/notifications", nil, http.StatusOK, &list) // b follows past it
	if len(list) != 2 {
		t.Fatalf("b lists %d notifications before the late commit, want 2", len(list))
	}
	if _, err := tx.Exec(ctx, `INSERT INTO alipay_mock_notifications (id, app_id, state, next_at, data, updated)
		SELECT 'LATEROW', app_id, state, next_at,
			convert_to(jsonb_set(convert_from(data, 'UTF8')::jsonb, '{id}', '"LATEROW"')::text, 'UTF8'), $1
		FROM alipay_mock_notifications WHERE convert_from(data, 'UTF8')::jsonb->>'out_trade_no' = 'LATE1'`, s); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // the follow after the commit, and the one after it
		b.ControlJSON(http.MethodGet, "/notifications", nil, http.StatusOK, &list)
		found := false
		for _, n := range list {
			found = found || n.ID == "LATEROW"
		}
		if !found || len(list) != 3 {
			t.Errorf("b's GET /_mock/notifications lists %d notifications, the one committed after a later-numbered one: %v", len(list), found)
		}
	}
}
