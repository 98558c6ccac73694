package pgstore

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// KindPolicies are scenario policies for notifications (then.notify), one
// per app and out_trade_no (or out_order_no), read by whichever replica
// builds a notification (notify.PolicyStore).
const KindPolicies = "policies"

// Most mocks never store a policy, so a replica reads them only while
// some may exist (AnyPolicies). It believes none exist only while its
// listening connection holds policiesLock shared: it takes the lock, then
// finds the table empty of policies (at each LISTEN and after each
// reset). A replica that stores one announces it (the kv notice), and
// before its request goes on waits for the lock exclusively: every other
// replica has then heard the notice, believes policies may exist and let
// go of the lock. So a notification queued anywhere after the request
// that stored a policy reads it, with no read per notification while
// none exists. A replica not listening (its connection lost) holds no
// lock and reads. The answers queued through the control API are
// believed absent the same way (faults.go).

// policyWait bounds how long a replica that stored a policy waits for
// the others to hear it (one whose listener hangs holds it up no longer).
const policyWait = 5 * time.Second

// A belief holds only while the listener is live: a notice of the
// replica's own (on liveChannel), sent every liveEvery through another
// connection, came back through the listener less than liveFor after it
// was sent. One sent after another replica's store committed comes back
// after the store's notice, which the listener handles first; so a
// replica whose listener hung holding the lock, past the policyWait it
// held the store up, has had no notice back for liveFor and reads: a
// request it serves after that store returned looks.
const (
	liveEvery = time.Second
	liveFor   = policyWait - time.Second
)

// policyReads counts the policies read (PolicyReads, for tests).
var policyReads atomic.Int64

// belief is what this replica's listener knows of rows that are seldom
// stored: none, only while it holds their advisory lock shared.
type belief struct {
	lock   int64  // the advisory lock
	stored string // SQL: whether some may be stored
	none   atomic.Bool
	held   bool // the listening connection holds the lock shared (listener's goroutine only)
}

// believesNone reports whether none of b's rows are stored, as far as
// this replica's live listener knows.
func (db *DB) believesNone(b *belief) bool {
	if !b.none.Load() {
		return false
	}
	sent := db.live.Load()
	return sent != 0 && time.Since(db.epoch)-time.Duration(sent) < liveFor
}

// liveChannel is the channel of this replica's own notices.
func (db *DB) liveChannel() string { return "alipay_mock_live_" + strconv.FormatInt(db.boots, 10) }

// sendLive sends the listener a notice of this replica's own every
// liveEvery (or once the last went, if that took longer), naming when it
// was sent, until ctx ends.
func (db *DB) sendLive(ctx context.Context) {
	t := time.NewTicker(liveEvery)
	defer t.Stop()
	for {
		c, cancel := context.WithTimeout(ctx, liveFor)
		_, _ = db.pool.Exec(c, `SELECT pg_notify($1, $2)`, db.liveChannel(), strconv.FormatInt(int64(time.Since(db.epoch)), 10))
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// heardLive takes up one of this replica's own notices, come back through
// the listener.
func (db *DB) heardLive(payload string) {
	if sent, err := strconv.ParseInt(payload, 10, 64); err == nil && sent > db.live.Load() {
		db.live.Store(sent)
	}
}

// newBeliefs sets up what the listener believes of policies and faults.
func (db *DB) newBeliefs() {
	db.policies.lock, db.policies.stored = policiesLock, `SELECT EXISTS (SELECT 1 FROM alipay_mock_kv WHERE kind = 'policies')`
	db.faults.lock, db.faults.stored = faultsLock, anyFaultsQueued
}

// heardByAll returns once every listening replica heard what this one
// announced of b's rows (or policyWait passed): each let go of b's lock.
func (db *DB) heardByAll(b *belief) {
	// A statement alone is its own transaction: the lock is let go at once.
	// A replica that never lets go holds us up policyWait, no more.
	ctx, cancel := context.WithTimeout(context.Background(), policyWait)
	defer cancel()
	_, _ = db.pool.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, b.lock)
}

// PutPolicy stores one policy and tells every replica that policies exist;
// when it changed anything, it returns once every listening replica heard
// (or policyWait passed).
func (db *DB) PutPolicy(app, out string, p notify.Policy) error {
	db.policies.none.Store(false)
	done, err := db.put(KindPolicies, app+"|"+out, p, "")
	if err != nil || !done {
		return err
	}
	db.heardByAll(&db.policies)
	return nil
}

// Policy reads one policy.
func (db *DB) Policy(app, out string) (notify.Policy, bool, error) {
	policyReads.Add(1)
	var p notify.Policy
	ok, err := db.get(KindPolicies, "k = $2", app+"|"+out, &p)
	return p, ok, err
}

// AnyPolicies reports whether a policy may be stored: false only while
// this replica knows none is (see policiesLock).
func (db *DB) AnyPolicies() bool { return !db.believesNone(&db.policies) }

// DeletePolicy deletes one policy.
func (db *DB) DeletePolicy(app, out string) error {
	if noRowHolds(app) || noRowHolds(out) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, err := db.pool.Exec(ctx, `DELETE FROM alipay_mock_kv WHERE kind = $1 AND k = $2`, KindPolicies, app+"|"+out)
	return db.failed(err)
}

// DeletePolicies deletes one app's policies, or every app's.
func (db *DB) DeletePolicies(app string) error {
	if app == "" {
		return db.del(KindPolicies, "")
	}
	if noRowHolds(app) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, err := db.pool.Exec(ctx, `DELETE FROM alipay_mock_kv WHERE kind = $1 AND starts_with(k, $2)`, KindPolicies, app+"|")
	return db.failed(err)
}

// check runs on the listening connection, once it listens and after each
// notice that may change b's rows: with the lock held shared, it looks for
// a stored row; none found, the replica believes none exist until it hears
// of one. When another replica is storing one right now (the lock is
// taken), the replica goes on reading.
func (b *belief) check(ctx context.Context, conn *pgx.Conn) {
	if !b.held {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock_shared($1)`, b.lock).Scan(&ok); err != nil || !ok {
			return
		}
		b.held = true
	}
	var any bool
	if err := conn.QueryRow(ctx, b.stored).Scan(&any); err != nil || any {
		b.mayExist(ctx, conn)
		return
	}
	b.none.Store(true)
}

// mayExist is a stored row heard of (or a check that failed): read them
// from now on, and let a replica storing one go on.
func (b *belief) mayExist(ctx context.Context, conn *pgx.Conn) {
	b.none.Store(false)
	if b.held {
		b.held = false
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock_shared($1)`, b.lock); err != nil {
			conn.Close(context.Background()) // the session, and its lock, end
		}
	}
}

// heardBeliefs handles a notice on the listening connection: a policy
// stored, or a reset (any replica's, this one's too) after which none may
// be left; the answer queue changed.
func (db *DB) heardBeliefs(ctx context.Context, conn *pgx.Conn, payload string) {
	switch {
	case payload == KindPolicies:
		db.policies.mayExist(ctx, conn)
	case payload == KindFaults:
		db.faults.check(ctx, conn)
	case strings.HasPrefix(payload, "forget|") && strings.Count(payload, "|") >= 3 &&
		strings.SplitN(payload, "|", 4)[2] == ForgetAll:
		db.policies.check(ctx, conn)
	}
}

// checkBeliefs runs once the connection listens.
func (db *DB) checkBeliefs(ctx context.Context, conn *pgx.Conn) {
	db.policies.check(ctx, conn)
	db.faults.check(ctx, conn)
}

// stopListening: the listening connection is going (its locks with it);
// read policies and the answer queue until it listens again.
func (db *DB) stopListening() {
	db.live.Store(0)
	for _, b := range []*belief{&db.policies, &db.faults} {
		b.none.Store(false)
		b.held = false
	}
}

var _ notify.PolicyStore = (*DB)(nil)
