package pgstore

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"
)

// --keep-trades and --keep-red-packets bound what the database holds, as
// --data's file is bounded (limits.Fair): the rows no buyer or sender
// acted on and the others are each counted apart against the limit;
// past it, of each, the app holding the most loses the row that became
// final longest ago (final_seq), else its oldest (seq). The total is the
// counters' (alipay_mock_counts), the waiting rows' a count of their
// index. One replica trims at a time (an advisory lock), a while after a
// new row, in batches of at most trimBatch rows.

// trimBatch bounds one trim's delete; the next new row starts another.
const trimBatch = 10000

type trimKind struct {
	table, key string
	kinds      []string // counters summed for the total
	lock       int64    // advisory lock
	// waiting is the condition of the rows no buyer or sender acted on
	// (they do not exist for the merchant, and another site's page pay
	// forms can open them): counted apart, trimmed among their own.
	waiting string
	// returning and moves: more columns of the deleted rows (gone), and
	// statements on them run in the same WITH (each ending in a comma).
	returning, moves string
}

var (
	tradeTrim  = &trimKind{table: "alipay_mock_trades", key: "trade_no", kinds: []string{"trade"}, lock: tradeTrimLock, waiting: "waiting"}
	packetTrim = &trimKind{table: "alipay_mock_red_packets", key: "auth_no", kinds: []string{"red_packet", "claim"}, lock: packetTrimLock,
		waiting:   "coalesce(waiting, NOT claim AND status IN ('INIT', 'CLOSED'))",
		returning: ", funded_account, outlay, " + packetRefundable + " AS refundable", moves: packetMoves}
)

// packetRefundable is what a red packet row gives back to the merchant's
// account that funded it when it goes before its end: as it was planned
// to end, all but what was claimed (coupon.Order.DroppedOutlay's rule): an
// AUTHORIZED one's automatic refund would give back its rest (read from
// the stored order: rest_amount, as amount.Amount writes it); an INIT one
// (its 10003 payment under way) would be paid, then refunded whole. Every
// build writes the order's data, so a row an older build wrote or changed
// is read alike.
const packetRefundable = `CASE WHEN funded_account IS NULL OR outlay = 0 THEN 0
	WHEN status = 'INIT' THEN outlay
	WHEN status = 'AUTHORIZED' THEN round((convert_from(data, 'UTF8')::jsonb->>'rest_amount')::numeric * 100)::bigint
	ELSE 0 END`

// packetMoves moves what trimmed red packets the merchant funded kept
// out of their accounts (outlay, in out_amount) out of out_amount: their
// rest (refundable) comes back, and what stays out (claimed) becomes a
// negative income of the app's part of the trimmed totals
// (alipay_mock_fund_trimmed), which a reset of the app takes away, as it
// does the part in memory (fund.Book.Evicted).
const packetMoves = `funded AS (SELECT funded_account AS account, app_id, sum(outlay) AS outlay, sum(outlay - refundable) AS kept
		FROM gone WHERE funded_account IS NOT NULL AND outlay <> 0 GROUP BY funded_account, app_id),
	moved AS (UPDATE alipay_mock_fund_merchants m SET out_amount = m.out_amount - s.outlay, income = m.income - s.kept
		FROM (SELECT account, sum(outlay) AS outlay, sum(kept) AS kept FROM funded GROUP BY account) s WHERE m.account = s.account),
	parts AS (INSERT INTO alipay_mock_fund_trimmed AS t (account, app_id, income) SELECT account, app_id, -kept FROM funded WHERE kept <> 0
		ON CONFLICT (account, app_id) DO UPDATE SET income = t.income + EXCLUDED.income),
	`

// finalSeq is the SQL for a row's final_seq in an update: a new position
// in the order rows became final the first time final (a boolean
// parameter) is true, kept from then on. newFinalSeq is an insert's.
func finalSeq(final string) string {
	return "CASE WHEN " + final + "::boolean THEN coalesce(final_seq, nextval('alipay_mock_final_seq')) END"
}

func newFinalSeq(final string) string {
	return "CASE WHEN " + final + "::boolean THEN nextval('alipay_mock_final_seq') END"
}

type trims struct {
	db    *DB
	mu    sync.Mutex
	keep  map[*trimKind]int
	due   map[*trimKind]bool
	wake  chan struct{}
	done  chan struct{}
	start sync.Once
}

// Keep bounds the trades and the red packets (with claims) the database
// holds; 0 or less keeps all.
func (db *DB) Keep(trades, redPackets int) {
	t := &db.trims
	t.mu.Lock()
	defer t.mu.Unlock()
	t.db = db
	t.keep = map[*trimKind]int{tradeTrim: trades, packetTrim: redPackets}
	t.due = map[*trimKind]bool{tradeTrim: true, packetTrim: true}
	t.start.Do(func() {
		t.wake, t.done = make(chan struct{}, 1), make(chan struct{})
		go t.run()
	})
	t.poke()
}

// soon asks for a trim of k: a new row was written.
func (t *trims) soon(k *trimKind) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.keep[k] <= 0 || t.due[k] {
		return
	}
	t.due[k] = true
	t.poke()
}

func (t *trims) poke() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

func (t *trims) stop() {
	t.mu.Lock()
	done := t.done
	t.done = nil
	t.mu.Unlock()
	if done != nil {
		close(done)
	}
}

func (t *trims) run() {
	t.mu.Lock()
	done := t.done
	t.mu.Unlock()
	for {
		select {
		case <-done:
			return
		case <-t.wake:
		}
		for _, k := range []*trimKind{tradeTrim, packetTrim} {
			t.mu.Lock()
			keep, due := t.keep[k], t.due[k]
			t.due[k] = false
			t.mu.Unlock()
			if due && keep > 0 {
				if more, err := t.db.trim(k, keep); more || conflict(err) { // a lost deadlock: again soon
					t.soon(k)
				}
			}
		}
		select { // at most one trim per kind every 100 ms
		case <-done:
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// errOlderBuild: a replica of an older build shares the database.
var errOlderBuild = errors.New("an older alipay-mock build has started on this database (its count triggers are " +
	"on alipay_mock_trades): trade counts are wrong and --keep-trades does not trim; stop every replica and start one build")

// trim deletes what k's table holds beyond keep, up to trimBatch rows;
// more reports rows left to delete.
func (db *DB) trim(k *trimKind, keep int) (more bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return false, db.failed(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit, a no-op
	var mine bool
	if err := tx.QueryRow(ctx, "SELECT pg_try_advisory_xact_lock($1)", k.lock).Scan(&mine); err != nil {
		return false, db.failed(err)
	}
	if !mine {
		// Another replica is trimming, perhaps by a count read before
		// this replica's new rows committed: again soon, or they stay
		// past the bound until the next new row.
		return true, nil
	}
	if k == tradeTrim {
		// An older build started on this database since this replica
		// did: its triggers count every trade a second time, and a trim
		// by those counts would delete trades the bound keeps.
		var older bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_trigger
			WHERE tgrelid = 'alipay_mock_trades'::regclass AND tgname IN ('alipay_mock_count_trades_i', 'alipay_mock_count_trades_u'))`).Scan(&older); err != nil {
			return false, db.failed(err)
		}
		if older {
			return false, db.failed(errOlderBuild)
		}
	}
	var total, waiting int64
	if err := tx.QueryRow(ctx, "SELECT coalesce(sum(n), 0) FROM alipay_mock_counts WHERE kind = ANY($1)", k.kinds).Scan(&total); err != nil {
		return false, db.failed(err)
	}
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+k.table+" WHERE "+k.waiting).Scan(&waiting); err != nil {
		return false, db.failed(err)
	}
	excess := max(waiting-int64(keep), 0) + max(total-waiting-int64(keep), 0)
	if excess <= 0 {
		return false, nil
	}
	// A trimmed trade's paid row goes with it (ON DELETE CASCADE); its
	// income stays in the account (fund.go's trigger reads this setting).
	if _, err := tx.Exec(ctx, "SELECT set_config('alipay_mock.keep_income', 'on', true)"); err != nil {
		return false, db.failed(err)
	}
	left := min(excess, trimBatch)
	n := left
	for _, class := range []struct {
		where  string
		excess int64
	}{{k.waiting, waiting - int64(keep)}, {"NOT " + k.waiting, total - waiting - int64(keep)}} {
		if class.excess <= 0 || left <= 0 {
			continue
		}
		// Each row ranked by how many its app holds from it on in the
		// order the app loses them (final longest ago, then oldest): the
		// largest app's next goes first, as memory's limits.Fair takes
		// them one at a time. The scenario buyers' steps planned for the
		// rows go with them (as eviction takes them off one mock's
		// clock), announced so that the replica that planned each takes
		// it off its clock.
		var deleted int64
		var gone []byte
		// Of apps holding as many, the one whose oldest row left is the
		// oldest loses first (oldest: the least seq of the rows the app
		// holds when that row goes, the row itself and those after it).
		if err := tx.QueryRow(ctx, "WITH gone AS (DELETE FROM "+k.table+" WHERE "+k.key+" IN (SELECT "+k.key+
			" FROM (SELECT "+k.key+", seq, rank, min(seq) OVER (PARTITION BY app_id ORDER BY rank ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS oldest"+
			" FROM (SELECT "+k.key+", app_id, seq, row_number() OVER (PARTITION BY app_id ORDER BY (final_seq IS NULL) DESC, final_seq DESC, seq DESC) AS rank"+
			" FROM "+k.table+" WHERE "+class.where+") r) o ORDER BY rank DESC, oldest, seq LIMIT $1) RETURNING app_id, "+k.key+" AS no"+k.returning+"), "+
			k.moves+goneJobs, min(class.excess, left)).Scan(&deleted, &gone); err != nil {
			return false, db.failed(err)
		}
		if err := announceGoneJobs(ctx, tx, gone); err != nil {
			return false, db.failed(err)
		}
		left -= deleted
	}
	if left < n {
		if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, changedChannel, trimmedPrefix+k.table); err != nil {
			return false, db.failed(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return false, db.failed(err)
	}
	return excess > n, nil
}

// trimmedPrefix starts the notice a trim sends once it deleted rows
// (Trimmed): "trimmed|" and the table. The replicas have nothing to do
// on it (what they read of those rows is read from the database); it
// tells a listener that the trim committed.
const trimmedPrefix = "trimmed|"

// Trimmed reads a notice Listen passed on: a trim deleted rows of table.
func Trimmed(payload string) (table string, ok bool) {
	return strings.CutPrefix(payload, trimmedPrefix)
}
