package pgstore

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

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
		l := newLone(db)
		f := &gathering[*loneReq]{}
		for i := 0; i < 5; i++ {
			k := fmt.Sprintf("k%d-%d", bad, i)
			if i == bad {
				k = "taken"
			}
			f.reqs = append(f.reqs, &loneReq{ctx: ctx, sql: `INSERT INTO lone_t VALUES ($1, $2)`, args: []any{k, i}})
		}
		f.reqs = append(f.reqs, &loneReq{ctx: ctx, sql: `UPDATE lone_t SET v = v + 1 WHERE k = 'taken'`})
		l.send(f.reqs)
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

func newOrder(no string) *loneReq {
	return &loneReq{ctx: context.Background(), sql: insertTrade,
		args: []any{no, "app", "OUT" + no, nil, "c" + no, time.Unix(0, 0), (*time.Time)(nil), []byte("{}"), "WAIT_BUYER_PAY", false, false}}
}

// Two replicas gather the same new orders into batches in opposite
// orders: each batch holds the keys it inserted while it waits for the
// other's. Single statements could not deadlock so; batches stop waiting
// (loneLockWait) and run their statements alone before PostgreSQL has to
// break a deadlock (after a second, while every lone write waits). Every
// order is made once.
func TestLoneBatchesOfTheSameOrdersDoNotDeadlock(t *testing.T) {
	url := pgtest.URL(t)
	var ls [2]*lone
	for i := range ls {
		db, err := Open(url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		ls[i] = newLone(db)
	}
	loneDeadlocks.Store(0)
	for round := 0; round < 3; round++ {
		var fs [2]*gathering[*loneReq]
		for r := range fs {
			fs[r] = &gathering[*loneReq]{}
			for i := 0; i < 40; i++ {
				k := i
				if r == 1 {
					k = 39 - i
				}
				fs[r].reqs = append(fs[r].reqs, newOrder(fmt.Sprintf("R%dP%d", round, k)))
			}
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for r := range fs {
			wg.Add(1)
			go func() { defer wg.Done(); <-start; ls[r].send(fs[r].reqs) }()
		}
		close(start)
		wg.Wait()
		made := map[string]int{}
		for _, f := range fs {
			for _, q := range f.reqs {
				if q.err != nil {
					t.Fatalf("round %d: %v", round, q.err)
				}
				made[q.args[0].(string)] += int(q.tag.RowsAffected())
			}
		}
		for no, n := range made {
			if n != 1 {
				t.Fatalf("round %d: order %s made %d times", round, no, n)
			}
		}
	}
	if n := loneDeadlocks.Load(); n != 0 {
		t.Fatalf("PostgreSQL broke %d deadlocks between batches", n)
	}
}

// A statement whose caller gave up while it waited for the batch in front
// is not sent: the caller was answered with an error.
func TestLoneStatementOfACallerWhoGaveUpIsNotSent(t *testing.T) {
	db, err := Open(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	q := newOrder("GONE")
	gone, cancel := context.WithCancel(ctx)
	cancel()
	q.ctx = gone
	kept := newOrder("KEPT")
	newLone(db).send([]*loneReq{kept, q})
	if kept.err != nil || kept.tag.RowsAffected() != 1 || q.err == nil {
		t.Fatalf("kept: %v %v; gone: %v", kept.tag, kept.err, q.err)
	}
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM alipay_mock_trades WHERE trade_no = 'GONE'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the statement of a caller who gave up made %d rows (%v)", n, err)
	}
}
