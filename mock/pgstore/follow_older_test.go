package pgstore_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// A replica of the build before the xact column (a rolling deploy: docs
// say older builds run beside this one) writes a notification's row back
// with `updated = nextval(...)` only, as its write-back, resend and give-up
// did: a trigger gives the row the writing transaction's id, so a replica
// of this build whose follow's mark passed the row's earlier write still
// takes the change up.
func TestFollowTakesUpAnOlderBuildsWriteBack(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "success")
	rs, url := replicasAt(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	for _, out := range []string{"OLD1", "OLD2"} {
		r, err := try(a, "alipay.trade.pay", `{"out_trade_no":"`+out+`","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
			func(p map[string]string) { p["notify_url"] = merchant.URL })
		if err != nil || !ok(r) {
			t.Fatalf("pay %s: %v %v", out, r, err)
		}
		a.WaitNotifications(notify.Filter{OutTradeNo: out, State: notify.Delivered}, 1)
	}
	var list []notify.Notification
	b.ControlJSON(http.MethodGet, "/notifications", nil, http.StatusOK, &list) // b's mark passes both rows
	if len(list) != 2 {
		t.Fatalf("b lists %d notifications, want 2", len(list))
	}
	// The older build's write, on the row of the lower xact (the mark is
	// past it): a resend given up, say; its state is what b must show.
	var id string
	if err := pgtest.Conn(t, url).QueryRow(context.Background(), `UPDATE alipay_mock_notifications
		SET state = 'given_up', data = convert_to(jsonb_set(convert_from(data, 'UTF8')::jsonb, '{state}', '"given_up"')::text, 'UTF8'),
			updated = nextval('alipay_mock_notification_updates')
		WHERE id = (SELECT id FROM alipay_mock_notifications ORDER BY xact, updated LIMIT 1)
		RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // the follow after the write, and the one after it
		b.ControlJSON(http.MethodGet, "/notifications", nil, http.StatusOK, &list)
		for _, n := range list {
			if n.ID == id && n.State != notify.GivenUp {
				t.Errorf("b lists %s %s after an older build's replica wrote it given_up", id, n.State)
			}
		}
	}
}

// The schema keeps the index on updated that an older build's follow
// (`WHERE updated > $1 ORDER BY updated LIMIT $2`, every 100 ms on each of
// its replicas) reads through: during a rolling deploy, an older replica's
// follow with nothing new reads the same few pages however many
// notifications are stored, not the whole table.
func TestOlderBuildsFollowStillReadsOnlyAnIndex(t *testing.T) {
	url := pgURL(t)
	openDB(t, url) // this build's schema
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := pgtest.Conn(t, url)
	cost := func(n int) int {
		t.Helper()
		if _, err := conn.Exec(ctx, `INSERT INTO alipay_mock_notifications (id, app_id, state, data, updated)
			SELECT 'OB' || (g + c.n), 'app', 'delivered', '{}'::bytea, nextval('alipay_mock_notification_updates')
			FROM generate_series(1, $1) g, (SELECT count(*) AS n FROM alipay_mock_notifications) c`, n); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, `ANALYZE alipay_mock_notifications`); err != nil {
			t.Fatal(err)
		}
		var u int64
		if err := conn.QueryRow(ctx, `SELECT max(updated) FROM alipay_mock_notifications`).Scan(&u); err != nil {
			t.Fatal(err)
		}
		var raw []byte
		if err := conn.QueryRow(ctx, `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT updated, data FROM alipay_mock_notifications
			WHERE updated > $1 ORDER BY updated LIMIT $2`, u, 500).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var plan []struct {
			Plan map[string]any `json:"Plan"`
		}
		if err := json.Unmarshal(raw, &plan); err != nil || len(plan) == 0 {
			t.Fatalf("%v in %s", err, raw)
		}
		hit, _ := plan[0].Plan["Shared Hit Blocks"].(float64)
		read, _ := plan[0].Plan["Shared Read Blocks"].(float64)
		return int(hit + read)
	}
	small := cost(1000)
	large := cost(19000)
	t.Logf("an older build's follow with nothing new: %d buffers at 1,000 notifications, %d at 20,000", small, large)
	if large > small+small/5+3 {
		t.Errorf("an older build's follow with nothing new reads %d buffers at 20,000 notifications against %d at 1,000", large, small)
	}
}
