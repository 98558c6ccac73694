package pgstore_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/control"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// get is a GET of the mock's path: its status and body.
func get(t *testing.T, m *mocktest.Mock, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(m.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// With --store, a list, a count or a lookup the database cannot answer is
// 503 naming the store's failure: never 200 [] (a test polling
// ?status=TRADE_SUCCESS would conclude nothing was paid), zero counts, "no
// such trade" or 409 (the trade's state). Once the database mends, the
// same requests list the trade.
func TestReplicasListsAnswer503WhenTheDatabaseFails(t *testing.T) {
	rs, dbURL := replicasAt(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	if r := a.Call("alipay.trade.precreate", `{"out_trade_no":"LF1","total_amount":"1.00","subject":"x"}`); !ok(r) {
		t.Fatalf("precreate: %v", r)
	}
	a.Control(http.MethodPost, "/trades/LF1/pay?app_id="+keys.DevAppID, nil, http.StatusOK)
	conn := pgtest.Conn(t, dbURL)
	tables := []string{"alipay_mock_trades", "alipay_mock_red_packets", "alipay_mock_transfers"}
	rename := func(suffixFrom, suffixTo string) {
		t.Helper()
		for _, tbl := range tables {
			if _, err := conn.Exec(context.Background(), `ALTER TABLE `+tbl+suffixFrom+` RENAME TO `+tbl+suffixTo); err != nil {
				t.Fatal(err)
			}
		}
	}
	rename("", "_away")

	for _, c := range []struct{ path, table string }{
		{"/trades", "alipay_mock_trades"},
		{"/trades?status=TRADE_SUCCESS", "alipay_mock_trades"},
		{"/trades/LF1", "alipay_mock_trades"},
		{"/trades/LF1?app_id=" + keys.DevAppID, "alipay_mock_trades"},
		{"/red-packets", "alipay_mock_red_packets"},
		{"/red-packets/LF1?app_id=" + keys.DevAppID, "alipay_mock_red_packets"},
		{"/transfers", "alipay_mock_transfers"},
		{"/transfers/LF1?app_id=" + keys.DevAppID, "alipay_mock_transfers"},
	} {
		var e control.Error
		b.ControlJSON(http.MethodGet, c.path, nil, http.StatusServiceUnavailable, &e)
		if !strings.Contains(e.Error, c.table) {
			t.Errorf("GET /_mock%s: error %q, want the store's failure on %s", c.path, e.Error, c.table)
		}
	}
	// A buyer's action the store failed is not "the trade's state" either.
	var e control.Error
	b.ControlJSON(http.MethodPost, "/trades/LF1/close?app_id="+keys.DevAppID, nil, http.StatusServiceUnavailable, &e)
	for _, path := range []string{"/_mock/ui/trades", "/_mock/ui/red-packets", "/_mock/ui/transfers", "/_mock/ui/trades/LF1"} {
		if status, page := get(t, b, path); status != http.StatusServiceUnavailable || !strings.Contains(page, "alipay_mock_") {
			t.Errorf("GET %s with the database failing: HTTP %d, want 503 and an error page naming the store's failure:\n%.400s", path, status, page)
		}
	}
	// The overview's counts are the counters' table.
	if _, err := conn.Exec(context.Background(), `ALTER TABLE alipay_mock_counts RENAME TO alipay_mock_counts_away`); err != nil {
		t.Fatal(err)
	}
	if status, page := get(t, b, "/_mock/ui"); status != http.StatusOK || !strings.Contains(page, `id="trade-error"`) || !strings.Contains(page, `id="packet-error"`) ||
		!strings.Contains(page, "alipay_mock_counts") {
		t.Errorf("the overview with the database failing: HTTP %d, want the store's failure in place of the trades' and red packets' counts:\n%.3000s", status, page)
	}
	if _, err := conn.Exec(context.Background(), `ALTER TABLE alipay_mock_counts_away RENAME TO alipay_mock_counts`); err != nil {
		t.Fatal(err)
	}
	if r := b.Call("alipay.trade.query", `{"out_trade_no":"LF1"}`); r["code"] != "20000" {
		t.Errorf("gateway query with the database failing: %v, want 20000", r)
	}

	rename("_away", "")
	var list []map[string]any
	b.ControlJSON(http.MethodGet, "/trades?status=TRADE_SUCCESS", nil, http.StatusOK, &list)
	if len(list) != 1 || list[0]["out_trade_no"] != "LF1" {
		t.Fatalf("paid trades once the database mended: %v", list)
	}
	b.Control(http.MethodGet, "/trades/LF1", nil, http.StatusOK)
	b.Control(http.MethodGet, "/red-packets", nil, http.StatusOK)
	b.Control(http.MethodGet, "/transfers", nil, http.StatusOK)
	if status, page := get(t, b, "/_mock/ui"); status != http.StatusOK || strings.Contains(page, `id="trade-error"`) {
		t.Errorf("the overview once the database mended: HTTP %d\n%.2000s", status, page)
	}
}

// The database goes away under running replicas (its connections ended,
// new ones refused: what stopping it does, to this test's database only):
// the gateway answers Alipay's 20000, the lists and lookups 503, never 200
// with nothing in it.
func TestReplicasWithTheDatabaseGone(t *testing.T) {
	rs, dbURL := replicasAt(t, 1, mock.Options{})
	m := rs[0]
	if r := m.Call("alipay.trade.precreate", `{"out_trade_no":"GONE1","total_amount":"1.00","subject":"x"}`); !ok(r) {
		t.Fatalf("precreate: %v", r)
	}
	databaseGone(t, dbURL)

	for _, c := range []struct{ method, biz string }{
		{"alipay.trade.query", `{"out_trade_no":"GONE1"}`},
		{"alipay.trade.precreate", `{"out_trade_no":"GONE2","total_amount":"1.00","subject":"x"}`},
	} {
		if r := m.Call(c.method, c.biz); r["code"] != "20000" {
			t.Errorf("%s with the database gone: %v, want code 20000", c.method, r)
		}
	}
	for _, path := range []string{"/trades", "/trades?status=WAIT_BUYER_PAY", "/trades/GONE1", "/red-packets", "/transfers", "/journal"} {
		m.Control(http.MethodGet, path, nil, http.StatusServiceUnavailable)
	}
	if status, _ := get(t, m, "/_mock/ui/trades"); status != http.StatusServiceUnavailable {
		t.Errorf("GET /_mock/ui/trades with the database gone: HTTP %d, want 503", status)
	}
}

// databaseGone makes the test's own database refuse every connection and
// ends the open ones, as a database that went away would, until the test
// ends (the shared cluster keeps running).
func databaseGone(t *testing.T, dbURL string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	db := strings.TrimPrefix(u.Path, "/")
	u.Path = "/postgres"
	admin := pgtest.Conn(t, u.String())
	ctx := context.Background()
	if _, err := admin.Exec(ctx, `ALTER DATABASE `+pgx.Identifier{db}.Sanitize()+` ALLOW_CONNECTIONS false`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), `ALTER DATABASE `+pgx.Identifier{db}.Sanitize()+` ALLOW_CONNECTIONS true`)
	})
	if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, db); err != nil {
		t.Fatal(err)
	}
}
