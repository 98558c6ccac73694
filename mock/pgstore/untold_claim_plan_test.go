package pgstore_test

// What the untold sweep's claim reads.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/mock/pgstore"
)

// The sweep (every replica, every 5 s) claims marks older than the grace:
// its cutoff bounds the scan of the created index, so with no mark past
// its grace the claim reads none of the young ones (a volatile cutoff,
// clock_timestamp(), read every mark to find none).
func TestUntoldClaimReadsOnlyMarksPastTheirGrace(t *testing.T) {
	url := pgURL(t)
	openDB(t, url) // the schema
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	const n = 5000
	if _, err := conn.Exec(ctx, `INSERT INTO alipay_mock_untold (kind, key, event, app_id, owner)
		SELECT 'trade', 'T' || i, 0, 'app', 1 FROM generate_series(1, $1) i`, n); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE alipay_mock_untold`); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "+pgstore.ClaimUntoldQuery,
		int64(10_000), pgstore.UntoldGrace.Milliseconds(), 10)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.Join(lines, "\n")
	t.Logf("the claim's plan with %d young marks:\n%s", n, plan)
	if strings.Contains(plan, "Rows Removed by Filter: 5000") || strings.Contains(plan, "Seq Scan") {
		t.Fatalf("the claim read all %d marks to find none past the grace", n)
	}
}
