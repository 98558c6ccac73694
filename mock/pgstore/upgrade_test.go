package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// olderTrades is the trades table as releases before this one made it:
// its unique key on (app_id, out_trade_no), an index on out_trade_no and
// triggers that counted each insert and update (here under an empty status).
const olderTrades = `
CREATE TABLE alipay_mock_trades (
	trade_no      text PRIMARY KEY,
	app_id        text NOT NULL,
	out_trade_no  text NOT NULL,
	qr_token      text,
	cashier_token text,
	created       timestamptz NOT NULL,
	version       bigint NOT NULL DEFAULT 1,
	deadline      timestamptz,
	data          bytea NOT NULL,
	UNIQUE (app_id, out_trade_no)
);
CREATE INDEX alipay_mock_trades_out ON alipay_mock_trades (out_trade_no);
CREATE TABLE alipay_mock_counts (kind text NOT NULL, status text NOT NULL, shard int NOT NULL, n bigint NOT NULL,
	PRIMARY KEY (kind, status, shard));
CREATE FUNCTION alipay_mock_count_trades() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
	INSERT INTO alipay_mock_counts AS c (kind, status, shard, n) SELECT 'trade', '', 0, count(*) FROM nt
	ON CONFLICT (kind, status, shard) DO UPDATE SET n = c.n + EXCLUDED.n;
	RETURN NULL;
END $f$;
CREATE TRIGGER alipay_mock_count_trades_i AFTER INSERT ON alipay_mock_trades REFERENCING NEW TABLE AS nt
	FOR EACH STATEMENT EXECUTE FUNCTION alipay_mock_count_trades();
CREATE TRIGGER alipay_mock_count_trades_u AFTER UPDATE ON alipay_mock_trades REFERENCING OLD TABLE AS ot NEW TABLE AS nt
	FOR EACH STATEMENT EXECUTE FUNCTION alipay_mock_count_trades();
`

// TestOpenUpgradesAnOlderSchema: a database made by an earlier release is
// brought to this one's schema at start, keeping its rows: a new trade and
// its payment are counted once (by their statements, not also by the old
// triggers), the old key's
// replacement still keeps one trade per out_trade_no, the indexes it
// replaces are gone, and a notified payment clears its untold mark.
func TestOpenUpgradesAnOlderSchema(t *testing.T) {
	url := pgURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := pgtest.Conn(t, url)
	if _, err := conn.Exec(ctx, olderTrades); err != nil {
		t.Fatal(err)
	}
	rs := []*mocktest.Mock{mocktest.New(t, mock.Options{Store: url}), mocktest.New(t, mock.Options{Store: url})}
	biz := `{"out_trade_no":"UP1","total_amount":"1.00","subject":"s"}`
	first := rs[0].Call("alipay.trade.precreate", biz)
	again := rs[1].Call("alipay.trade.precreate", biz)
	if !ok(first) || !ok(again) {
		t.Fatalf("a repeated order on another replica: %v, then %v", first, again)
	}
	var stored int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM alipay_mock_trades WHERE out_trade_no = 'UP1'`).Scan(&stored); err != nil || stored != 1 {
		t.Fatalf("%d trades stored for one out_trade_no (%v)", stored, err)
	}
	if c := must(rs[1].Srv.Trades.Counts())(t); c[trade.WaitBuyerPay] != 1 || len(c) != 1 {
		t.Fatalf("counts after one new trade: %v", c)
	}
	if r := rs[0].Call("alipay.trade.pay", `{"out_trade_no":"UP1","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`); !ok(r) {
		t.Fatalf("pay: %v", r)
	}
	if c := must(rs[1].Srv.Trades.Counts())(t); c[trade.Success] != 1 || len(c) != 1 {
		t.Fatalf("counts after its payment: %v", c)
	}
	var old, replaced int
	if err := conn.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM pg_indexes WHERE indexname IN ('alipay_mock_trades_out', 'alipay_mock_trades_app_id_out_trade_no_key')),
		(SELECT count(*) FROM pg_indexes WHERE indexname = 'alipay_mock_trades_out_app')`).Scan(&old, &replaced); err != nil {
		t.Fatal(err)
	}
	if old != 0 || replaced != 1 {
		t.Fatalf("%d of the old indexes left, %d new key", old, replaced)
	}
	// A notified payment: its untold mark (a table older databases lack)
	// is written with the trade and deleted with the notification's insert.
	merchant := mocktest.NewMerchant(t, "success")
	if r := rs[0].Verify("alipay.trade.pay", rs[0].Post(rs[0].Params("alipay.trade.pay",
		`{"out_trade_no":"UP2","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = merchant.URL })), true); !ok(r) {
		t.Fatalf("pay: %v", r)
	}
	var notified, marks int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM alipay_mock_notifications), (SELECT count(*) FROM alipay_mock_untold)`).Scan(&notified, &marks); err != nil ||
		notified != 1 || marks != 0 {
		t.Fatalf("after a notified payment: %d notifications, %d untold marks (%v); want 1 and none", notified, marks, err)
	}
}

// TestReplicasAnswerARepeatedOrderAsMemoryDoes: a replica tries an order
// it has not seen as an insert without reading first; an order another
// replica made gets the answer the in-memory mock gives, whatever the
// repeat asks (each case's repeat is the second replica's first sight of
// its out_trade_no).
func TestReplicasAnswerARepeatedOrderAsMemoryDoes(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	mem := mocktest.New(t, mock.Options{})
	const pre = `{"out_trade_no":"%s","total_amount":"1.00","subject":"s"}`
	const pay = `{"out_trade_no":"%s","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`
	cases := []struct{ first, firstBiz, repeat, repeatBiz string }{
		{"alipay.trade.precreate", pre, "alipay.trade.precreate", pre},
		{"alipay.trade.precreate", pre, "alipay.trade.precreate", `{"out_trade_no":"%s","total_amount":"2.00","subject":"s"}`},
		{"alipay.trade.precreate", pre, "alipay.trade.precreate", `{"out_trade_no":"%s","total_amount":"1.00","subject":"s","qr_code_timeout_express":"bad"}`},
		{"alipay.trade.precreate", pre, "alipay.trade.create", `{"out_trade_no":"%s","total_amount":"1.00","subject":"s","buyer_id":"2088102000000001"}`},
		{"alipay.trade.precreate", pre, "alipay.trade.pay", pay},
		{"alipay.trade.pay", pay, "alipay.trade.pay", pay},
		{"alipay.trade.pay", pay, "alipay.trade.precreate", pre},
	}
	for i, c := range cases {
		out := fmt.Sprintf("R%d", i)
		for _, m := range []*mocktest.Mock{mem, rs[0]} {
			if r := m.Call(c.first, fmt.Sprintf(c.firstBiz, out)); !ok(r) {
				t.Fatalf("case %d: %s: %v", i, c.first, r)
			}
		}
		want := mem.Call(c.repeat, fmt.Sprintf(c.repeatBiz, out))
		got := rs[1].Call(c.repeat, fmt.Sprintf(c.repeatBiz, out))
		t.Logf("case %d: %s then %s: %v %v", i, c.first, c.repeat, got["code"], got["sub_code"])
		if got["code"] != want["code"] || got["sub_code"] != want["sub_code"] {
			t.Errorf("case %d: %s then %s: the other replica answers %v %v, memory %v %v", i, c.first, c.repeat,
				got["code"], got["sub_code"], want["code"], want["sub_code"])
		}
	}
}

// TestOlderBuildStartedBesideThisOne: an older build starting on the
// database while this one runs puts its count triggers back, so every
// trade is counted twice. This build's trim then refuses to delete by
// those counts (trades the bound keeps would go) and says so in the
// health check; the next start of this build drops the triggers and counts
// again from the table.
func TestOlderBuildStartedBesideThisOne(t *testing.T) {
	rs, url := replicasAt(t, 1, mock.Options{Trades: trade.Options{Keep: 3}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := pgtest.Conn(t, url)
	// What an older build's start runs (its counter for trades).
	if _, err := conn.Exec(ctx, `
CREATE OR REPLACE TRIGGER alipay_mock_count_trades_i AFTER INSERT ON alipay_mock_trades REFERENCING NEW TABLE AS nt FOR EACH STATEMENT EXECUTE FUNCTION alipay_mock_count_trades();
CREATE OR REPLACE TRIGGER alipay_mock_count_trades_u AFTER UPDATE ON alipay_mock_trades REFERENCING OLD TABLE AS ot NEW TABLE AS nt FOR EACH STATEMENT EXECUTE FUNCTION alipay_mock_count_trades();`); err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"O1", "O2", "O3"} {
		if r := rs[0].Call("alipay.trade.precreate", `{"out_trade_no":"`+o+`","total_amount":"1.00","subject":"s"}`); !ok(r) {
			t.Fatalf("precreate %s: %v", o, r)
		}
	}
	var h struct {
		Status string `json:"status"`
		Error  string `json:"store_error"`
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(rs[0].URL + "/_mock/health")
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&h)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if h.Status != "ok" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the health check never reported the older build's triggers")
		}
	}
	if !strings.Contains(h.Error, "older alipay-mock build") {
		t.Fatalf("health: %+v", h)
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM alipay_mock_trades`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("%d trades left of 3 under --keep-trades 3 (%v)", n, err)
	}
	// This build again: triggers gone, counts made from the table.
	again := mocktest.New(t, mock.Options{Store: url, Trades: trade.Options{Keep: 3}})
	if c := must(again.Srv.Trades.Counts())(t); c[trade.WaitBuyerPay] != 3 || len(c) != 1 {
		t.Fatalf("counts after the restart: %v", c)
	}
	var triggers int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_trigger WHERE tgname IN ('alipay_mock_count_trades_i', 'alipay_mock_count_trades_u')`).Scan(&triggers); err != nil || triggers != 0 {
		t.Fatalf("%d older triggers left (%v)", triggers, err)
	}
}
