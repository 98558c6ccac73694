package pgstore_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/pgstore"
)

// TestListsReadOnlyTheirPage: the statements behind a list page, the
// overview's counts and the deadline sweep touch as many database pages
// (buffers, from EXPLAIN ANALYZE) with 20,000 stored trades as with 1,000,
// give or take an index level: none reads the table. It counts work, not
// time, so it does not depend on the machine's load; a lost index or a
// count(*) makes it fail.
func TestListsReadOnlyTheirPage(t *testing.T) {
	type stmt struct {
		name string
		sql  string
		args []any
	}
	page := func(name, app, status string, at uint64, newest bool) stmt {
		q, args := pgstore.PageQuery("SELECT trade_no, data, seq FROM alipay_mock_trades", app, status, at, 21, newest)
		return stmt{name, q, args}
	}
	stmts := []stmt{
		page("first page", "", "", 0, false),
		page("newest page", "", "", 0, true),
		page("a page further on", "", "", 500, false),
		page("by app", keys.DevAppID, "", 0, false),
		page("by status, none match", "", "TRADE_CLOSED", 0, false),
		page("by status", "", "TRADE_SUCCESS", 0, true),
		page("by app and status", keys.DevAppID, "TRADE_SUCCESS", 0, false),
		{"counts", pgstore.CountsQuery, []any{[]string{"trade"}}},
		{"due deadlines", pgstore.DueTradesQuery, []any{time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), 256}},
	}
	cost := map[int]map[string]int{}
	for _, n := range []int{1000, 20000} {
		_, url := scaleMock(t, n)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		cost[n] = map[string]int{}
		for _, s := range stmts {
			var plan []struct {
				Plan map[string]any `json:"Plan"`
			}
			var raw []byte
			if err := conn.QueryRow(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+s.sql, s.args...).Scan(&raw); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if err := json.Unmarshal(raw, &plan); err != nil || len(plan) == 0 {
				t.Fatalf("%s: %v in %s", s.name, err, raw)
			}
			p := plan[0].Plan
			hit, _ := p["Shared Hit Blocks"].(float64)
			read, _ := p["Shared Read Blocks"].(float64)
			cost[n][s.name] = int(hit + read)
		}
		conn.Close(ctx)
		cancel()
	}
	for _, s := range stmts {
		small, large := cost[1000][s.name], cost[20000][s.name]
		t.Logf("%-22s %4d buffers at 1,000 trades, %4d at 20,000", s.name, small, large)
		if large > small+small/5+3 {
			t.Errorf("%s: %d buffers at 20,000 trades against %d at 1,000: it reads more as the table grows", s.name, large, small)
		}
	}
}
