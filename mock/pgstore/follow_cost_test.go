package pgstore_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock/notify"
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
		if err := conn.QueryRow(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+pgstore.FollowRowsQuery, x, u, 500, []uint64{}, x, u).Scan(&raw); err != nil {
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

// A transaction that holds an id on another database of the same server
// (another application's, idle in transaction, or a forgotten prepared
// one) is in progress in every snapshot for as long as it runs: a follow
// reads the notifications written since once, not again at every pass
// (the snapshot's xmin stays below them all the while).
func TestFollowRereadsNothingForAnotherDatabasesTransaction(t *testing.T) {
	url := pgURL(t)
	db := openDB(t, url)
	out := db.Notifications(time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	other := pgtest.Conn(t, pgtest.URL(t)) // another database, same server
	tx, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil {
		t.Fatal(err)
	}
	const n = 3000
	if _, err := pgtest.Conn(t, url).Exec(ctx, `INSERT INTO alipay_mock_notifications (id, app_id, state, data, xact, updated)
		SELECT 'RV' || g, 'app', 'delivered', convert_to(json_build_object('id', 'RV' || g, 'state', 'delivered')::text, 'UTF8'),
			pg_current_xact_id(), nextval('alipay_mock_notification_updates')
		FROM generate_series(1, $1) g`, n); err != nil {
		t.Fatal(err)
	}
	var f pgstore.Follow
	took := 0
	for pass := 0; pass < 2; pass++ {
		if err := out.Changed(&f, 500, func(ns []notify.Notification) { took += len(ns) }); err != nil {
			t.Fatal(err)
		}
	}
	if took != n {
		t.Fatalf("the follow took %d notifications, want %d", took, n)
	}
	if past := pgstore.FollowRead(&f); past != 0 {
		t.Errorf("with a transaction open on another database, the next follow read again %d of %d committed rows", past, n)
	}
}

// A database moved by dump and restore (pg_dump, a cloud migration by
// logical replication) keeps its rows' xact, drawn on the old server,
// while the new server's transaction ids may be lower: a replica started
// after the restore sets them to 0 (no transaction here wrote them), so a
// follow reads them once, not at every pass until the server has run as
// many transactions.
func TestFollowRereadsNothingRestoredFromABusierServer(t *testing.T) {
	url := pgURL(t)
	openDB(t, url) // the schema, before the restore
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const n = 2000
	// As the restore writes them: the old server's ids, 10 million ahead.
	if _, err := pgtest.Conn(t, url).Exec(ctx, `INSERT INTO alipay_mock_notifications (id, app_id, state, data, xact, updated)
		SELECT 'RS' || g, 'app', 'delivered', convert_to(json_build_object('id', 'RS' || g, 'state', 'delivered')::text, 'UTF8'),
			(pg_current_xact_id()::text::bigint + 10000000 + g)::text::xid8, nextval('alipay_mock_notification_updates')
		FROM generate_series(1, $1) g`, n); err != nil {
		t.Fatal(err)
	}
	out := openDB(t, url).Notifications(time.Second) // a replica started after it
	var f pgstore.Follow
	took := 0
	for pass := 0; pass < 2; pass++ {
		if err := out.Changed(&f, 500, func(ns []notify.Notification) { took += len(ns) }); err != nil {
			t.Fatal(err)
		}
	}
	if took != n {
		t.Fatalf("the follow took %d notifications, want %d", took, n)
	}
	if past := pgstore.FollowRead(&f); past != 0 {
		t.Errorf("after a restore from a busier server, the next follow read again %d of %d rows", past, n)
	}
}
