package pgstore

import (
	"context"
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
// lock and reads.

// policyWait bounds how long a replica that stored a policy waits for
// the others to hear it (one whose listener hangs holds it up no longer).
const policyWait = 5 * time.Second

// policyReads counts the policies read (PolicyReads, for tests).
var policyReads atomic.Int64

// policyBelief is what this replica's listener knows of stored policies.
type policyBelief struct {
	none atomic.Bool // none stored: set only while the lock is held
	held bool        // the listening connection holds policiesLock shared (listener's goroutine only)
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
	// A statement alone is its own transaction: the lock is let go at once.
	// A replica that never lets go holds us up policyWait, no more.
	ctx, cancel := context.WithTimeout(context.Background(), policyWait)
	defer cancel()
	_, _ = db.pool.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(policiesLock))
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
func (db *DB) AnyPolicies() bool { return !db.policies.none.Load() }

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

// checkPolicies runs on the listening connection, once it listens and
// after each reset: with the lock held shared, it looks for a stored
// policy; none found, the replica believes none exist until it hears of
// one. When another replica is storing one right now (the lock is taken),
// the replica goes on reading.
func (db *DB) checkPolicies(ctx context.Context, conn *pgx.Conn) {
	b := &db.policies
	if !b.held {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock_shared($1)`, int64(policiesLock)).Scan(&ok); err != nil || !ok {
			return
		}
		b.held = true
	}
	var any bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM alipay_mock_kv WHERE kind = $1)`, KindPolicies).Scan(&any); err != nil || any {
		db.policiesMayExist(ctx, conn)
		return
	}
	b.none.Store(true)
}

// policiesMayExist is a stored policy heard of (or a check that failed):
// read them from now on, and let a replica storing one go on.
func (db *DB) policiesMayExist(ctx context.Context, conn *pgx.Conn) {
	b := &db.policies
	b.none.Store(false)
	if b.held {
		b.held = false
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock_shared($1)`, int64(policiesLock)); err != nil {
			conn.Close(context.Background()) // the session, and its lock, end
		}
	}
}

// heardPolicies handles a notice on the listening connection: a policy
// stored, or a reset (any replica's, this one's too) after which none may
// be left.
func (db *DB) heardPolicies(ctx context.Context, conn *pgx.Conn, payload string) {
	switch {
	case payload == KindPolicies:
		db.policiesMayExist(ctx, conn)
	case strings.HasPrefix(payload, "forget|") && strings.Count(payload, "|") >= 3 &&
		strings.SplitN(payload, "|", 4)[2] == ForgetAll:
		db.checkPolicies(ctx, conn)
	}
}

// stopListening: the listening connection is going; read policies until
// it listens again.
func (db *DB) stopListening() {
	db.policies.none.Store(false)
	db.policies.held = false
}

var _ notify.PolicyStore = (*DB)(nil)
