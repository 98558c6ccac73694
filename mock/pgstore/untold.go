package pgstore

import (
	"context"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// untoldSchema holds the marks of stored events whose notification is not
// stored yet (docs/persistence.md, "A trade change and its notification"):
// a row per event, written in the trade's (red packet's) own transaction,
// deleted by the statement that stores its notification (which stores
// nothing when the mark is gone: told once). A mark
// left past UntoldGrace is a change whose replica died (or stalled)
// before that insert; any replica's sweep takes it (ClaimUntold) and
// makes the notification.
const untoldSchema = `
CREATE TABLE IF NOT EXISTS alipay_mock_untold (
	kind        text NOT NULL,
	key         text NOT NULL,
	event       int NOT NULL,
	app_id      text NOT NULL,
	created     timestamptz NOT NULL DEFAULT clock_timestamp(),
	owner       bigint NOT NULL,
	lease_until timestamptz,
	PRIMARY KEY (kind, key, event)
);
CREATE INDEX IF NOT EXISTS alipay_mock_untold_created ON alipay_mock_untold (created);
CREATE INDEX IF NOT EXISTS alipay_mock_untold_app ON alipay_mock_untold (app_id);
`

// The kinds of marks.
const (
	untoldTrade     = "trade"
	untoldRedPacket = "red_packet"
)

// UntoldGrace is how long (wall time) a mark is left to the replica that
// wrote it before another takes it over: far longer than a live replica
// takes between its trade's commit and its notification's insert (a
// signature and one statement, a few milliseconds; an insert is bounded
// by opTimeout, 30 s, so a replica that waits that long has failed it and
// answered 20000). A replica that stalls past it still tells its event
// once: whichever notification's insert deletes the mark is stored, the
// other stores nothing (putToldNotification).
const UntoldGrace = 45 * time.Second

// untoldLease is how long a replica holds the marks it claimed while it
// makes their notifications (wall time): past it, if the replica died,
// another takes them.
const untoldLease = 10 * time.Second

// Untold is a mark the sweep claimed: an event of a stored trade (or red
// packet: RedPacket, Key its auth_no) whose notification no replica
// stored.
type Untold struct {
	AppID     string
	RedPacket bool
	Key       string // trade_no, or auth_no
	Event     int    // the event's index in the History
}

const insertUntold = `INSERT INTO alipay_mock_untold (kind, key, event, app_id, owner)
	VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`

// MarkUntold writes, with the trade's own transaction, a mark per event
// that will be notified (trade.UntoldTx).
func (t *tradeTx) MarkUntold(us []trade.Untold) error {
	for _, u := range us {
		t.writes = append(t.writes, write{sql: insertUntold,
			args: []any{untoldTrade, u.TradeNo, u.Event, u.AppID, t.db.boots}})
	}
	return nil
}

// MarkUntold writes, in the red packet's transaction, a mark per event
// that will be notified (coupon.UntoldTx).
func (t *couponTx) MarkUntold(us []coupon.Untold) error {
	for _, u := range us {
		if _, err := t.tx.Exec(t.ctx, insertUntold, untoldRedPacket, u.AuthNo, u.Event, u.AppID, t.db.boots); err != nil {
			return t.err(err)
		}
	}
	return nil
}

// claimUntold is the sweep's claim. Its cutoff is from now() (the
// statement's start), stable, so the created index bounds the scan to the
// marks past their grace; clock_timestamp() would make every sweep read
// every young mark. The lease is a filter on those.
const claimUntold = `UPDATE alipay_mock_untold
		SET lease_until = clock_timestamp() + $1 * interval '1 millisecond'
		WHERE (kind, key, event) IN (SELECT kind, key, event FROM alipay_mock_untold
			WHERE created < now() - $2 * interval '1 millisecond'
				AND (lease_until IS NULL OR lease_until < clock_timestamp())
			ORDER BY created, key, event LIMIT $3 FOR UPDATE SKIP LOCKED)
		RETURNING app_id, kind, key, event, created`

// ClaimUntold leases up to max marks older than grace (wall time) that no
// live lease holds, oldest first and in their events' order, skipping
// those another replica is claiming at the same moment.
func (db *DB) ClaimUntold(grace time.Duration, max int) ([]Untold, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	rows, err := db.pool.Query(ctx, claimUntold, untoldLease.Milliseconds(), grace.Milliseconds(), max)
	if err != nil {
		return nil, db.failed(err)
	}
	type row struct {
		u  Untold
		at time.Time
	}
	rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		var kind string
		err := r.Scan(&x.u.AppID, &kind, &x.u.Key, &x.u.Event, &x.at)
		x.u.RedPacket = kind == untoldRedPacket
		return x, err
	})
	if err != nil {
		return nil, db.failed(err)
	}
	// RETURNING keeps no order: the events' order, as they were marked.
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if !a.at.Equal(b.at) {
			return a.at.Before(b.at)
		}
		if a.u.Key != b.u.Key {
			return a.u.Key < b.u.Key
		}
		return a.u.Event < b.u.Event
	})
	out := make([]Untold, len(rs))
	for i, r := range rs {
		out[i] = r.u
	}
	return out, nil
}

// ForgetUntold deletes a mark: its notification is stored (the insert
// deleted it already), or there is none to make.
func (db *DB) ForgetUntold(u Untold) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, err := db.pool.Exec(ctx, `DELETE FROM alipay_mock_untold WHERE kind = $1 AND key = $2 AND event = $3`,
		untoldKind(u.RedPacket), u.Key, u.Event)
	return db.failed(err)
}

func untoldKind(redPacket bool) string {
	if redPacket {
		return untoldRedPacket
	}
	return untoldTrade
}

// StoredTrade is the trade trade_no as stored, read without a lock.
func (db *DB) StoredTrade(no string) (trade.Trade, bool, error) {
	return storedRow(db, `SELECT data FROM alipay_mock_trades WHERE trade_no = $1`, no, trade.Unmarshal)
}

// StoredRedPacket is the red packet auth_no as stored, read without a lock.
func (db *DB) StoredRedPacket(no string) (coupon.Order, bool, error) {
	return storedRow(db, `SELECT data FROM alipay_mock_red_packets WHERE auth_no = $1`, no, coupon.Unmarshal)
}

func storedRow[T any](db *DB, q, key string, decode func([]byte) (T, error)) (T, bool, error) {
	var zero T
	if noRowHolds(key) {
		return zero, false, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var data []byte
	err := db.pool.QueryRow(ctx, q, key).Scan(&data)
	if err == pgx.ErrNoRows {
		return zero, false, nil
	}
	if err != nil {
		return zero, false, db.failed(err)
	}
	v, err := decode(data)
	if err != nil {
		return zero, false, db.failed(err)
	}
	return v, true, nil
}

// deleteUntold deletes the marks of one kind ("": every kind), of every
// app or of one: what a reset deletes can no longer be told.
func (db *DB) deleteUntold(kind, app string) error {
	if noRowHolds(app) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, err := db.pool.Exec(ctx, `DELETE FROM alipay_mock_untold
		WHERE ($1 = '' OR kind = $1) AND ($2 = '' OR app_id = $2)`, kind, app)
	return db.failed(err)
}
