package pgstore_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock/pgstore"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// A notifications follow with nothing written since its mark touches as
// many database pages (EXPLAIN's buffers) with 20,000 stored notifications
// as with 1,000: one indexed read, never the table.
func TestFollowWithNothingWrittenReadsOnlyItsIndex(t *testing.T) {
	url := pgURL(t)
	openDB(t, url) // the schema
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := pgtest.Conn(t, url)
	cost := func(n int) int {
		t.Helper()
		if _, err := conn.Exec(ctx, `INSERT INTO alipay_mock_notifications (id, app_id, state, data, updated)
			SELECT 'FC' || (g + c.n), 'app', 'delivered', '{}'::bytea, nextval('alipay_mock_notification_updates')
			FROM generate_series(1, $1) g, (SELECT count(*) AS n FROM alipay_mock_notifications) c`, n); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, `ANALYZE alipay_mock_notifications`); err != nil {
			t.Fatal(err)
		}
		var x uint64
		var u int64
		if err := conn.QueryRow(ctx, `SELECT xact, updated FROM alipay_mock_notifications ORDER BY xact DESC, updated DESC LIMIT 1`).Scan(&x, &u); err != nil {
			t.Fatal(err)
		}
		var raw []byte
		if err := conn.QueryRow(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+pgstore.FollowRowsQuery, x, u, 500, []int64{}).Scan(&raw); err != nil {
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
	t.Logf("a follow with nothing new: %d buffers at 1,000 notifications, %d at 20,000", small, large)
	if large > small+small/5+3 {
		t.Errorf("a follow with nothing new reads %d buffers at 20,000 notifications against %d at 1,000", large, small)
	}
}
