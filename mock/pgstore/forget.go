package pgstore

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// What a reset or a clear makes every replica forget from its memory
// (Forget): the database is already cleared by the replica that was asked.
const (
	ForgetAll           = "all"           // POST /_mock/reset, the dashboard's reset
	ForgetNotifications = "notifications" // DELETE /_mock/notifications
)

// forgetSchema counts resets, so a replica that was not listening when
// one was announced finds out when it listens again.
const forgetSchema = `CREATE SEQUENCE IF NOT EXISTS alipay_mock_resets;`

// Forget tells the other replicas to drop what of app (every app when
// empty) from their memory.
func (db *DB) Forget(what, app string) error {
	if noRowHolds(app) || len(app) > maxNotifyApp {
		return nil // no row holds it (a text column cannot), and no replica's memory does
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	return db.failed(pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var n int64
		if err := tx.QueryRow(ctx, `SELECT nextval('alipay_mock_resets')`).Scan(&n); err != nil {
			return err
		}
		db.resets.Store(n)
		_, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, changedChannel,
			"forget|"+strconv.FormatInt(db.boots, 10)+"|"+what+"|"+app)
		return err
	}))
}

// maxNotifyApp bounds an app id sent in a notification's payload
// (PostgreSQL's limit is 8,000 bytes); app ids are 16 digits.
const maxNotifyApp = 256

// missedResets reports whether a replica reset something since this one
// last looked (at its previous connection), and remembers the count.
func (db *DB) missedResets(ctx context.Context) bool {
	var n int64
	if err := db.pool.QueryRow(ctx, `SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM alipay_mock_resets`).Scan(&n); err != nil {
		return false
	}
	return db.resets.Swap(n) != n && db.listened.Load()
}

// forgetMissed is the notice Listen passes on for resets made while this
// replica was not listening: forget everything, read again what is left.
const forgetMissed = "forget|missed|" + ForgetAll + "|"

// Forgotten reads a notice Listen passed on: what to forget and of which
// app, when it is another replica's Forget.
func (db *DB) Forgotten(payload string) (what, app string, ok bool) {
	p := strings.SplitN(payload, "|", 4)
	if len(p) != 4 || p[0] != "forget" || p[1] == strconv.FormatInt(db.boots, 10) {
		return "", "", false
	}
	return p[2], p[3], true
}

// barriers are the CatchUp calls waiting for their own notice.
type barriers struct {
	mu   sync.Mutex
	next int64
	wait map[string]chan struct{}
}

// catchUpWait bounds CatchUp when the listening connection is down.
const catchUpWait = 2 * time.Second

// CatchUp returns once this replica's listener has handled every notice
// committed before the call (a reset, a clear, a change of apps or the
// clock made on another replica): it sends itself a notice and waits for
// it, and PostgreSQL delivers notices in commit order. A read that calls
// it first sees what another replica changed before the read began.
func (db *DB) CatchUp(ctx context.Context) {
	db.bar.mu.Lock()
	if db.bar.wait == nil {
		db.bar.wait = map[string]chan struct{}{}
	}
	db.bar.next++
	token := "sync|" + strconv.FormatInt(db.boots, 10) + "|" + strconv.FormatInt(db.bar.next, 10)
	ch := make(chan struct{})
	db.bar.wait[token] = ch
	db.bar.mu.Unlock()
	defer func() {
		db.bar.mu.Lock()
		delete(db.bar.wait, token)
		db.bar.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(ctx, catchUpWait)
	defer cancel()
	if _, err := db.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, changedChannel, token); err != nil {
		return
	}
	select {
	case <-ch:
	case <-ctx.Done():
	}
}

// heard reports whether payload is a CatchUp notice, releasing its
// waiter when it is this replica's.
func (db *DB) heard(payload string) bool {
	if !strings.HasPrefix(payload, "sync|") {
		return false
	}
	db.bar.mu.Lock()
	if ch, ok := db.bar.wait[payload]; ok {
		close(ch)
		delete(db.bar.wait, payload)
	}
	db.bar.mu.Unlock()
	return true
}
