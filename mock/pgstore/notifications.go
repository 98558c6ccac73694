package pgstore

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// Notifications is the outbox's store and the shared schedule of its
// attempts: each pending notification's next attempt is a job (next_at on
// the mock's clock), leased to one replica at a time for lease (wall time).
func (db *DB) Notifications(lease time.Duration) *Outbox {
	return &Outbox{db: db, lease: lease, owner: db.owner()}
}

// Outbox implements notify.Store and notify.Jobs.
type Outbox struct {
	db    *DB
	lease time.Duration
	owner string
}

// PutNotification writes a notification: its first write inserts it;
// every later one (WriteBack) is the write-back of an attempt this
// replica made under its lease, which stores the result and the next
// attempt and lets go of the lease, and applies only while this replica
// still holds it (notify.NotHeld). The write is made at once; the wait
// returned only reports how it went.
func (o *Outbox) PutNotification(n notify.Notification) func() error {
	err := o.put(n)
	return func() error { return err }
}

// Sync has nothing to wait for: every write is made when it is asked for.
func (o *Outbox) Sync() error { return nil }

func (o *Outbox) put(n notify.Notification) error {
	data, next, err := encode(n)
	if err != nil {
		return o.db.failed(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if n.WriteBack() {
		return o.writeBack(ctx, n, data, next)
	}
	args := []any{n.ID, n.AppID, string(n.State), next, data}
	m, told := n.Told()
	if !told {
		_, err = o.db.pool.Exec(ctx, insertNotification, args...)
		return o.db.failed(err)
	}
	// Its event's untold mark goes in the same statement, and the
	// notification is stored only if this statement deleted the mark:
	// when another replica's write (a live insert, or a sweep's retell)
	// took it first, that one tells the event and this one makes nothing
	// (untold.go).
	// (A transfer's status is not marked here: its lease stands for the mark.)
	args = append(args, untoldKind(m.Kind == notify.MarkRedPacket), m.No, m.Event)
	tag, err := o.db.pool.Exec(ctx, insertToldNotification, args...)
	if err != nil {
		return o.db.failed(err)
	}
	if tag.RowsAffected() == 0 {
		return notify.ErrToldElsewhere
	}
	return nil
}

// encode is a notification's data and its next attempt's due time (nil
// when it has none).
func encode(n notify.Notification) ([]byte, *time.Time, error) {
	data, err := notify.Marshal(n)
	if n.State == notify.Pending && n.NextAttempt != nil {
		return data, n.NextAttempt, err
	}
	return data, nil, err
}

// insertToldNotification stores the first write of a notification whose
// event is marked untold, if and only if it deletes that mark.
const insertToldNotification = `WITH told AS (DELETE FROM alipay_mock_untold
		WHERE kind = $6 AND key = $7 AND event = $8 RETURNING 1)
	INSERT INTO alipay_mock_notifications (id, app_id, state, next_at, data, ` + keyCols + `)
	SELECT $1::text, $2::text, $3::text, $4::timestamptz, $5::bytea, ` + keyValues + `
		WHERE EXISTS (SELECT 1 FROM told)`

const insertNotification = `INSERT INTO alipay_mock_notifications (id, app_id, state, next_at, data, ` + keyCols + `)
	VALUES ($1, $2, $3, $4, $5, ` + keyValues + `)`

// writeBackNotification is an attempt's result, written only while its
// replica ($5) holds the lease and no resend waits for it.
const writeBackNotification = `UPDATE alipay_mock_notifications
	SET state = $2, next_at = $3, data = $4, ` + touched + `,
		lease_until = NULL, lease_owner = NULL, resend_at = NULL
	WHERE id = $1 AND lease_owner = $5 AND resend_at IS NOT DISTINCT FROM $6::timestamptz`

// writeBack writes an attempt's result. A resend recorded while the
// attempt was in flight is applied to it; a notification deleted (a
// reset, a clear) is not made again, nor is one whose lease another
// replica took over (this one stalled past it) written over.
func (o *Outbox) writeBack(ctx context.Context, n notify.Notification, data []byte, next *time.Time) error {
	var resend *time.Time
	for try := 0; try < 3; try++ {
		tag, err := o.db.pool.Exec(ctx, writeBackNotification, n.ID, string(n.State), next, data, o.owner, resend)
		if err != nil {
			return o.db.failed(err)
		}
		if tag.RowsAffected() == 1 {
			if resend == nil {
				return nil
			}
			return &notify.NotHeld{Stored: &n}
		}
		var stored []byte
		var mine bool
		var at *time.Time
		err = o.db.pool.QueryRow(ctx, `SELECT data, lease_owner IS NOT DISTINCT FROM $2, resend_at
			FROM alipay_mock_notifications WHERE id = $1`, n.ID, o.owner).Scan(&stored, &mine, &at)
		if err == pgx.ErrNoRows {
			return &notify.NotHeld{}
		}
		if err != nil {
			return o.db.failed(err)
		}
		if !mine {
			s, err := notify.Unmarshal(stored)
			if err != nil {
				return o.db.failed(err)
			}
			return &notify.NotHeld{Stored: &s}
		}
		if at == nil {
			continue // a resend taken back? none does: try again
		}
		// A resend asked during the attempt starts its round after it.
		resend = at
		n.Resend(*at)
		if data, next, err = encode(n); err != nil {
			return o.db.failed(err)
		}
	}
	return errors.New("notification: write-back kept changing")
}

// Resend plans the stored notification's attempt at at, its retry
// schedule started over. While a live lease holds it (an attempt is in
// flight on some replica), the resend is recorded in resend_at instead,
// and the holder's write-back applies it after that attempt: the lease
// stays, and neither write loses the other's. Else the stored copy is
// changed, not this replica's, which may be behind it: a write that
// applies only if the row is as read (updated) and still unleased.
func (o *Outbox) Resend(id string, at time.Time) (notify.Notification, bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	for try := 0; try < 5; try++ {
		var data []byte
		var updated int64
		var held bool
		err := o.db.pool.QueryRow(ctx, `UPDATE alipay_mock_notifications
			SET resend_at = CASE WHEN lease_until >= clock_timestamp() THEN $2 ELSE resend_at END
			WHERE id = $1
			RETURNING data, updated, coalesce(lease_until >= clock_timestamp(), false)`, id, at).Scan(&data, &updated, &held)
		if err == pgx.ErrNoRows {
			return notify.Notification{}, false, nil
		}
		if err != nil {
			return notify.Notification{}, false, o.db.failed(err)
		}
		n, err := notify.Unmarshal(data)
		if err != nil {
			return notify.Notification{}, false, o.db.failed(err)
		}
		if held {
			return n, true, nil // recorded: its holder's write-back applies it
		}
		n.Resend(at)
		data, next, err := encode(n)
		if err != nil {
			return notify.Notification{}, false, o.db.failed(err)
		}
		tag, err := o.db.pool.Exec(ctx, `UPDATE alipay_mock_notifications
			SET state = $2, next_at = $3, data = $4, `+touched+`,
				lease_until = NULL, lease_owner = NULL, resend_at = NULL
			WHERE id = $1 AND updated = $5 AND (lease_until IS NULL OR lease_until < clock_timestamp())`,
			id, string(n.State), next, data, updated)
		if err != nil {
			return notify.Notification{}, false, o.db.failed(err)
		}
		if tag.RowsAffected() == 1 {
			return n, true, nil
		}
		// Written or claimed since it was read: read it again.
	}
	return notify.Notification{}, false, errors.New("notification: busy, resend it again")
}

// GiveUp gives the stored notification id up to the pending bound, read
// and written like a resend with no live lease: the write applies only if
// the row is as read (updated), still pending, no live lease holds it
// (an attempt in flight) and no resend recorded under one waits for its
// holder's write-back. A lease run out is let go, so a replica that
// stalled past it finds its write-back not applied (NotHeld) rather than
// pending again what was given up. One no longer pending is returned as
// stored; one gone, empty.
func (o *Outbox) GiveUp(id string) (notify.Notification, notify.GiveUpResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	for try := 0; try < 5; try++ {
		var data []byte
		var updated int64
		var state string
		var held bool
		err := o.db.pool.QueryRow(ctx, `SELECT data, updated, state,
				coalesce(lease_until >= clock_timestamp(), false) OR resend_at IS NOT NULL
			FROM alipay_mock_notifications WHERE id = $1`, id).Scan(&data, &updated, &state, &held)
		if err == pgx.ErrNoRows {
			return notify.Notification{}, notify.NotPending, nil
		}
		if err != nil {
			return notify.Notification{}, 0, o.db.failed(err)
		}
		n, err := notify.Unmarshal(data)
		if err != nil {
			return notify.Notification{}, 0, o.db.failed(err)
		}
		if state != string(notify.Pending) {
			return n, notify.NotPending, nil
		}
		if held {
			return notify.Notification{}, notify.Held, nil
		}
		n.GiveUpToBound()
		if data, err = notify.Marshal(n); err != nil {
			return notify.Notification{}, 0, o.db.failed(err)
		}
		tag, err := o.db.pool.Exec(ctx, `UPDATE alipay_mock_notifications
			SET state = $2, next_at = NULL, data = $3, `+touched+`,
				lease_until = NULL, lease_owner = NULL
			WHERE id = $1 AND updated = $4 AND state = 'pending' AND resend_at IS NULL
				AND (lease_until IS NULL OR lease_until < clock_timestamp())`,
			id, string(n.State), data, updated)
		if err != nil {
			return notify.Notification{}, 0, o.db.failed(err)
		}
		if tag.RowsAffected() == 1 {
			return n, notify.GaveUp, nil
		}
		// Written, claimed or sent again since it was read: read it again.
	}
	return notify.Notification{}, notify.Held, nil // busy: a later pass
}

// DeleteNotifications deletes every notification, or one app's, and
// their untold marks (the app's all: marked is for a store that keeps
// marks by notification). last is not kept: each start numbers from a
// block of its own (notify.Notifier.Share, the boots sequence).
func (o *Outbox) DeleteNotifications(app string, _ []notify.Notification, _ int64) error {
	if noRowHolds(app) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var err error
	if app == "" {
		_, err = o.db.pool.Exec(ctx, "DELETE FROM alipay_mock_notifications")
	} else {
		_, err = o.db.pool.Exec(ctx, "DELETE FROM alipay_mock_notifications WHERE app_id = $1", app)
	}
	if err != nil {
		return o.db.failed(err)
	}
	// The marks of events not yet told go too: what was cleared is not
	// made again.
	return o.db.deleteUntold("", app)
}

// RemoveNotifications does nothing: a replica's outbox evicts from its own
// memory, while the database keeps the notifications for every replica.
func (o *Outbox) RemoveNotifications([]notify.Notification) error { return nil }

// Claim leases the due attempts no live lease holds, skipping rows another
// replica is claiming at the same moment.
func (o *Outbox) Claim(now time.Time, max int) ([]notify.Notification, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	rows, err := o.db.pool.Query(ctx, `UPDATE alipay_mock_notifications
		SET lease_until = clock_timestamp() + $1 * interval '1 millisecond', lease_owner = $2
		WHERE id IN (SELECT id FROM alipay_mock_notifications
			WHERE state = 'pending' AND next_at <= $3
				AND (lease_until IS NULL OR lease_until < clock_timestamp())
			ORDER BY next_at LIMIT $4 FOR UPDATE SKIP LOCKED)
		RETURNING data, next_at`, o.lease.Milliseconds(), o.owner, now, max)
	if err != nil {
		return nil, o.db.failed(err)
	}
	defer rows.Close()
	var out []notify.Notification
	for rows.Next() {
		var data []byte
		var next time.Time
		if err := rows.Scan(&data, &next); err != nil {
			return nil, o.db.failed(err)
		}
		n, err := notify.Unmarshal(data)
		if err != nil {
			return nil, o.db.failed(err)
		}
		n.NextAttempt = &next
		out = append(out, n)
	}
	return out, o.db.failed(rows.Err())
}

// Renew extends this replica's leases of the notifications ids names; one
// whose attempt was written back (its lease let go) or that another
// replica claimed since is left alone.
func (o *Outbox) Renew(ids []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, err := o.db.pool.Exec(ctx, `UPDATE alipay_mock_notifications
		SET lease_until = clock_timestamp() + $1 * interval '1 millisecond'
		WHERE id = ANY($2) AND lease_owner = $3`, o.lease.Milliseconds(), ids, o.owner)
	return o.db.failed(err)
}

// Notification reads one stored notification by id (false: none).
func (o *Outbox) Notification(id string) (notify.Notification, bool, error) {
	if unstorable([]any{id}) {
		return notify.Notification{}, false, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var data []byte
	err := o.db.pool.QueryRow(ctx, `SELECT data FROM alipay_mock_notifications WHERE id = $1`, id).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return notify.Notification{}, false, nil
	}
	if err != nil {
		return notify.Notification{}, false, o.db.failed(err)
	}
	n, err := notify.Unmarshal(data)
	if err != nil {
		return notify.Notification{}, false, o.db.failed(err)
	}
	return n, true, nil
}

// Changed takes up, page notifications at a time, the notifications
// written since the follow f last passed (follow.go), oldest write first:
// every replica's outbox follows the others' writes with it. A pass that
// fails leaves f where it was.
func (o *Outbox) Changed(f *Follow, page int, take func([]notify.Notification)) error {
	f.begin()
	for {
		ns, n, err := o.changed(f, page)
		if err != nil {
			return err
		}
		if len(ns) > 0 {
			take(ns)
		}
		if n < page {
			f.end()
			return nil
		}
	}
}

// changed reads one page of a pass: the notifications it takes, and how
// many rows it read.
func (o *Outbox) changed(f *Follow, page int) ([]notify.Notification, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	after, open := f.args()
	rows, err := o.db.pool.Query(ctx, followRows, after.xact, after.updated, page, open, f.at.xact, f.at.updated)
	if err != nil {
		return nil, 0, o.db.failed(err)
	}
	defer rows.Close()
	var out []notify.Notification
	var keys []key
	var xmax uint64
	var xip []uint64
	for rows.Next() {
		var x *uint64
		var u *int64
		var data []byte
		if err := rows.Scan(&xmax, &xip, &x, &u, &data); err != nil {
			return nil, 0, o.db.failed(err)
		}
		if x == nil {
			continue // nothing read: the snapshot alone
		}
		keys = append(keys, key{*x, *u})
		c, err := notify.Unmarshal(data)
		if err != nil {
			return nil, 0, o.db.failed(err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, o.db.failed(err)
	}
	f.page(xmax, xip, keys, len(keys) < page)
	return out, len(keys), nil
}
