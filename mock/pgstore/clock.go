package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/mock/clock"
)

const clockChannel = "alipay_mock_clock"

// JoinClock returns the shared clock's state: the one stored, or sn when
// this is the first replica (whose clock then becomes everyone's).
func (db *DB) JoinClock(sn clock.Snapshot) (clock.Snapshot, error) {
	data, err := json.Marshal(sn)
	if err != nil {
		return sn, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if _, err := db.pool.Exec(ctx, `INSERT INTO alipay_mock_meta (k, v) VALUES ('clock', $1) ON CONFLICT (k) DO NOTHING`, data); err != nil {
		return sn, db.failed(err)
	}
	return db.readClock(ctx)
}

func (db *DB) readClock(ctx context.Context) (clock.Snapshot, error) {
	var data []byte
	if err := db.pool.QueryRow(ctx, `SELECT v FROM alipay_mock_meta WHERE k = 'clock'`).Scan(&data); err != nil {
		return clock.Snapshot{}, db.failed(err)
	}
	var sn clock.Snapshot
	return sn, json.Unmarshal(data, &sn)
}

// PutClock stores the clock's new state and tells every replica.
func (db *DB) PutClock(sn clock.Snapshot) error {
	data, err := json.Marshal(sn)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	return db.failed(pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO alipay_mock_meta (k, v) VALUES ('clock', $1)
			ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v`, data); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, clockChannel)
		return err
	}))
}

// Listen calls clockChanged with the stored clock whenever a replica
// changes it, and changed with the kind of state ("apps", "appauth",
// "royalty"; the sign-in rows: UserAuthKeys) another replica wrote, until
// ctx ends. After a lost
// connection it listens again and calls both for everything, so no change
// is missed for long.
func (db *DB) Listen(ctx context.Context, clockChanged func(clock.Snapshot), changed func(kind string)) {
	live := make(chan struct{})
	defer func() { <-live }()
	go func() {
		defer close(live)
		db.sendLive(ctx)
	}()
	for ctx.Err() == nil {
		err := db.listen(ctx, clockChanged, changed)
		if ctx.Err() != nil {
			return
		}
		_ = db.failed(err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (db *DB) listen(ctx context.Context, clockChanged func(clock.Snapshot), changed func(kind string)) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	// With a notice of its own in the same transaction: the listener is
	// live (policies.go) from the first notice it takes up.
	if _, err := conn.Exec(ctx, "LISTEN "+clockChannel+"; LISTEN "+changedChannel+"; LISTEN "+db.liveChannel()+
		"; SELECT pg_notify('"+db.liveChannel()+"', '"+strconv.FormatInt(int64(time.Since(db.epoch)), 10)+"')"); err != nil {
		conn.Conn().Close(context.Background())
		return err
	}
	defer func() {
		db.stopListening()
		// The connection goes back to the pool: stop listening and let go
		// of the beliefs' locks first (or drop it).
		if conn.Conn().IsClosed() {
			return // lost: the pool drops it
		}
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(c, "UNLISTEN *; SELECT pg_advisory_unlock_all()"); err != nil {
			conn.Conn().Close(c)
		}
	}()
	if sn, err := db.readClock(ctx); err == nil {
		clockChanged(sn)
	}
	if db.missedResets(ctx) {
		changed(forgetMissed)
	}
	db.listened.Store(true)
	db.checkBeliefs(ctx, conn.Conn())
	for _, k := range kinds {
		changed(k)
	}
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) || ctx.Err() != nil {
				return nil
			}
			return err
		}
		if n.Channel == db.liveChannel() {
			db.heardLive(n.Payload)
			continue
		}
		if n.Channel == changedChannel {
			if !db.heard(n.Payload) {
				db.heardBeliefs(ctx, conn.Conn(), n.Payload)
				changed(n.Payload)
			}
			continue
		}
		sn, err := db.readClock(ctx)
		if err != nil {
			return err
		}
		clockChanged(sn)
	}
}
