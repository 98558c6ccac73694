package pgstore

// A follow reads the rows of a table written since it last read, by a key
// each write sets: (xact, updated), the writing transaction's id and an
// update number from a sequence. An update number alone is drawn when the
// statement runs, not when its transaction commits: a follow that moved
// past a later number committed first would never read an earlier one
// committed after it. A transaction id below the oldest still running
// (the read's snapshot's xmin, its horizon) belongs to a transaction that
// has ended, and every later one gets a higher id: so rows below the
// horizon are all there will ever be below it, and the follow's mark moves
// only over them. Rows at or past the horizon are read too (a follow shows
// every committed row at once) and read again by later follows until the
// horizon passes them, without their data once taken (Follow.taken). With
// nothing written, a follow is one indexed read that finds nothing.

// The key every write of a followed row sets: its columns, their values,
// and an update's SET.
const (
	keyCols   = `xact, updated`
	keyValues = `pg_current_xact_id(), nextval('alipay_mock_notification_updates')`
	touched   = `(` + keyCols + `) = (` + keyValues + `)`
)

// followRows reads, after the follow's position, the key of each row, whether
// it is below the horizon, and its data unless it is among those taken
// ($4: their update numbers).
const followRows = `SELECT r.xact, r.updated, r.xact < h.h, CASE WHEN r.updated = ANY($4) THEN NULL ELSE r.data END
	FROM alipay_mock_notifications r, (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS h) h
	WHERE (r.xact, r.updated) > ($1::xid8, $2::bigint) ORDER BY r.xact, r.updated LIMIT $3`

// Follow is where a replica's follow stands. Its zero value reads every
// row. A pass reads it page by page (Outbox.Changed) and moves it only
// when done (end): a pass that failed leaves it where it was.
type Follow struct {
	mark  key            // every row up to it was read
	taken map[int64]bool // rows past the mark read already (their update numbers)

	at     key            // the pass's position
	moving bool           // whether every row the pass read so far was below its horizon
	next   key            // the mark the pass moves to
	seen   map[int64]bool // the rows past next the pass read
}

type key struct {
	xact    uint64
	updated int64
}

// begin starts a pass at the mark.
func (f *Follow) begin() {
	f.at, f.next, f.moving = f.mark, f.mark, true
	f.seen = make(map[int64]bool, len(f.taken))
}

// takenList is the update numbers of the rows taken past the mark.
func (f *Follow) takenList() []int64 {
	out := make([]int64, 0, len(f.taken))
	for u := range f.taken {
		out = append(out, u)
	}
	return out
}

// row takes one row of a pass, in key order, and reports whether it is
// new (not taken before: followRows read its data).
func (f *Follow) row(k key, below bool) bool {
	f.at = k
	if below && f.moving {
		f.next = k
	} else {
		f.moving = false
		f.seen[k.updated] = true
	}
	return !f.taken[k.updated]
}

// end closes a pass that read every page: the mark moves, and the rows
// past it that the pass read are those taken.
func (f *Follow) end() {
	f.mark, f.taken, f.seen = f.next, f.seen, nil
}
