package pgstore_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/pgstore"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// A replica of the build before the xact column (a rolling deploy: docs
// say older builds run beside this one) writes a notification's row back
// with `updated = nextval(...)` only, as its write-back, resend and give-up
// did: the row keeps the xact of its earlier write. A replica of this build
// whose follow's mark already passed that xact never takes the change up,
// and lists the notification in its old state.
func TestRv2pgfFollowTakesUpAnOlderBuildsWriteBack(t *testing.T) {
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

// A transaction that holds an id on another database of the same server
// (another application's, idle in transaction) holds back every snapshot's
// xmin, so the follow's mark stops there: each follow reads again every
// notification written since, on every replica every 100 ms, and keeps
// their update numbers in memory and sends them all with each page, for as
// long as that transaction runs (hours for one forgotten open, forever for
// a forgotten prepared transaction). None of the transactions that can
// still commit a notification row is in this database.
func TestRv2pgfFollowRereadsNothingForAnotherDatabasesTransaction(t *testing.T) {
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
	if past := pgstore.FollowPast(&f); past != 0 {
		t.Errorf("with a transaction open on another database, each follow reads again (and keeps) %d of %d committed rows", past, n)
	}
}

// The schema drops the index on updated that an older build's follow
// (`WHERE updated > $1 ORDER BY updated LIMIT $2`, every 100 ms on each of
// its replicas) reads through: during a rolling deploy, once one replica of
// this build started, every older replica's follow with nothing new reads
// the whole table (a sequential scan and a sort) ten times a second.
func TestRv2pgfOlderBuildsFollowStillReadsOnlyAnIndex(t *testing.T) {
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

// A database (or role) with a lock_timeout under 4 s, as DBAs often set:
// the storing replica's wait for every listener to let go of the lock
// (heardByAll) fails at that timeout, its error dropped, and POST
// /_mock/faults returns before the hung listener's belief lapsed (4 s after
// the last notice it took up), so the next gateway request on that replica
// answers as if nothing were queued. The 5 s the liveness relies on is not
// waited.
func TestRv2pgfHungListenerLooksInTheQueueUnderALockTimeout(t *testing.T) {
	url := pgURL(t)
	name := url[strings.LastIndex(url, "/")+1:]
	name, _, _ = strings.Cut(name, "?")
	if _, err := pgtest.Conn(t, url).Exec(context.Background(), `ALTER DATABASE `+name+` SET lock_timeout = '500ms'`); err != nil {
		t.Fatal(err)
	}
	a := mocktest.New(t, mock.Options{Store: url})
	b, hang := hungListener(t, url)
	pay(t, a, "LT", "1.00")
	b.Control(http.MethodGet, "/faults", nil, http.StatusOK) // b's listener has checked its beliefs
	if r := b.Call("alipay.trade.query", `{"out_trade_no":"LT"}`); r["code"] != "10000" {
		t.Fatalf("query before: %v", r)
	}
	resume := hang(faultsLock)
	a.Control(http.MethodPost, "/faults", `{"method":"alipay.trade.query","code":"40004","sub_code":"ACQ.TRADE_NOT_EXIST"}`, http.StatusCreated)
	r := b.Call("alipay.trade.query", `{"out_trade_no":"LT"}`)
	resume()
	if r["sub_code"] != "ACQ.TRADE_NOT_EXIST" {
		t.Errorf("b, its listener hung, answered %v right after an answer was queued on a (lock_timeout 500ms), not the queued answer", r)
	}
}

// A database moved by dump and restore (pg_dump, a cloud migration by
// logical replication) keeps its rows' xact, drawn on the old server,
// while the new server's transaction ids start lower: the rows' xact lies
// past every snapshot's xmin until the new server has run as many
// transactions, so every replica's follow reads them all again at every
// pass (and keeps them, and sends their numbers with each page) for that
// long: millions of transactions, days. No transaction that wrote them
// runs here.
func TestRv2pgfFollowRereadsNothingRestoredFromABusierServer(t *testing.T) {
	url := pgURL(t)
	db := openDB(t, url)
	out := db.Notifications(time.Second)
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
	if past := pgstore.FollowPast(&f); past != 0 {
		t.Errorf("after a restore from a busier server, each follow reads again (and keeps) %d of %d rows", past, n)
	}
}
