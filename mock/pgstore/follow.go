package pgstore

import "slices"

// A follow reads the rows of a table written since it last read, by a key
// each write sets: (xact, updated), the writing transaction's id and an
// update number from a sequence. An update number alone is drawn when the
// statement runs, not when its transaction commits: a follow that moved
// past a later number committed first would never read an earlier one
// committed after it. Each read's snapshot says which transactions had
// ended when it was taken: every id below its xmax but those in progress
// (pg_snapshot_xip). Their rows are all there will ever be, so the mark
// moves to the last row read (one below xmax: a row whose xact is past it
// was not written here, as by a restore, and the mark stays below it);
// the transactions in progress are remembered (Follow.open), and the next
// follow reads their rows below the mark by their ids: a few index
// look-ups per transaction in progress, however long one runs. With
// nothing written, a follow is one indexed read that finds nothing.

// The key every write of a followed row sets: its columns, their values,
// and an update's SET. An update that sets updated (an older build's
// too) also sets xact, by a trigger (pgstore.go's schema).
const (
	keyCols   = `xact, updated`
	keyValues = `pg_current_xact_id(), nextval('alipay_mock_notification_updates')`
	touched   = `(` + keyCols + `) = (` + keyValues + `)`
)

// followRows reads the read's snapshot (xmax and the ids in progress) and,
// in key order, the rows after the key $1,$2 and those of the
// transactions $4 after the key $5,$6: at most $3.
const followRows = `SELECT s.xmax, s.xip, r.xact, r.updated, r.data
	FROM (SELECT pg_snapshot_xmax(c.s) AS xmax, ARRAY(SELECT pg_snapshot_xip(c.s)) AS xip
		FROM pg_current_snapshot() AS c(s)) s
	LEFT JOIN LATERAL (
		(SELECT xact, updated, data FROM alipay_mock_notifications
			WHERE (xact, updated) > ($1::xid8, $2::bigint) ORDER BY xact, updated LIMIT $3)
		UNION ALL
		(SELECT xact, updated, data FROM alipay_mock_notifications
			WHERE xact = ANY($4::xid8[]) AND (xact, updated) > ($5::xid8, $6::bigint) ORDER BY xact, updated LIMIT $3)
		ORDER BY 1, 2 LIMIT $3) r ON true
	ORDER BY r.xact, r.updated`

// Follow is where a replica's follow stands. Its zero value reads every
// row. A pass reads it page by page (Outbox.Changed) and moves it only
// when done (end): a pass that failed leaves it where it was.
type Follow struct {
	mark key      // every row up to it was read, but those of open
	open []uint64 // transactions below the mark that were in progress when it was read
	read int      // how many rows the last pass read

	at     key      // the pass's position
	moving bool     // whether every row the pass read so far was below its read's xmax
	next   key      // the mark the pass moves to
	nopen  []uint64 // the open of next
	n      int      // rows read so far
}

type key struct {
	xact    uint64
	updated int64
}

func (k key) less(o key) bool {
	return k.xact < o.xact || k.xact == o.xact && k.updated < o.updated
}

// begin starts a pass: at the lowest open transaction's rows, or at the
// mark.
func (f *Follow) begin() {
	f.at, f.next, f.moving, f.nopen, f.n = f.mark, f.mark, true, nil, 0
	for _, x := range f.open {
		if x < f.at.xact {
			f.at = key{x, -1 << 63}
		}
	}
}

// args is a page's read's arguments after the page size: where the rows
// after the mark start, and the open transactions with rows still ahead.
func (f *Follow) args() (after key, open []uint64) {
	after = f.mark
	if f.mark.less(f.at) {
		after = f.at
	}
	for _, x := range f.open {
		if x >= f.at.xact && x < f.mark.xact {
			open = append(open, x)
		}
	}
	return after, open
}

// page takes a page's read: its snapshot, the keys it read in order, and
// whether it was the pass's last (not full).
func (f *Follow) page(xmax uint64, xip []uint64, keys []key, last bool) {
	from := f.at.xact
	for _, k := range keys {
		f.n++
		f.at = k
		if k.xact >= xmax {
			f.moving = false // not written here: read again until xmax passes it
		}
		if f.moving && f.next.less(k) {
			f.next = k
		}
	}
	// A transaction in progress whose rows lie in the page's range may
	// still commit some there, below the mark: the next pass reads them.
	for _, x := range xip {
		if x >= from && (last || x <= f.at.xact) {
			f.nopen = append(f.nopen, x)
		}
	}
}

// end closes a pass that read every page: the mark moves, with the
// transactions below it that were in progress.
func (f *Follow) end() {
	open := f.nopen[:0]
	for _, x := range f.nopen {
		if x < f.next.xact {
			open = append(open, x)
		}
	}
	slices.Sort(open)
	f.mark, f.open, f.read = f.next, slices.Compact(open), f.n
	f.nopen = nil
}
