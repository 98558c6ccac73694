package pgstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// A batch of lone statements is one transaction: when one of them fails,
// the others must still take effect, each with its own outcome.
func TestLoneStatementFailsAlone(t *testing.T) {
	db, err := Open(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.pool.Exec(ctx, `CREATE TABLE lone_t (k text PRIMARY KEY, v int NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO lone_t VALUES ('taken', 0)`); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []int{0, 2, 4} { // the failing statement first, between, last
		l := &lone{db: db}
		f := &loneFlight{done: make(chan struct{})}
		for i := 0; i < 5; i++ {
			k := fmt.Sprintf("k%d-%d", bad, i)
			if i == bad {
				k = "taken"
			}
			f.reqs = append(f.reqs, &loneReq{sql: `INSERT INTO lone_t VALUES ($1, $2)`, args: []any{k, i}})
		}
		f.reqs = append(f.reqs, &loneReq{sql: `UPDATE lone_t SET v = v + 1 WHERE k = 'taken'`})
		l.send(f)
		for i, q := range f.reqs {
			if (i == bad) != (q.err != nil) {
				t.Fatalf("failing statement %d: statement %d answered %v", bad, i, q.err)
			}
			if q.err == nil && q.tag.RowsAffected() != 1 {
				t.Fatalf("statement %d changed %d rows", i, q.tag.RowsAffected())
			}
		}
	}
	var n, v int
	if err := db.pool.QueryRow(ctx, `SELECT count(*), sum(v) FILTER (WHERE k = 'taken') FROM lone_t`).Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	// Each batch: four inserts and one update, exactly once.
	if n != 1+3*4 || v != 3 {
		t.Fatalf("%d rows, the update applied %d times; want 13 and 3", n, v)
	}
}
