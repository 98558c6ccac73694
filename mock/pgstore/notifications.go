package pgstore

import (
	"context"
	"time"

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

// PutNotification writes a notification and its next attempt, and lets
// go of its lease: the attempt that held it is over. The write is made at
// once; the wait returned only reports how it went.
func (o *Outbox) PutNotification(n notify.Notification) func() error {
	err := o.put(n)
	return func() error { return err }
}

// Sync has nothing to wait for: every write is made when it is asked for.
func (o *Outbox) Sync() error { return nil }

func (o *Outbox) put(n notify.Notification) error {
	data, err := notify.Marshal(n)
	if err != nil {
		return o.db.failed(err)
	}
	var next *time.Time
	if n.State == notify.Pending && n.NextAttempt != nil {
		next = n.NextAttempt
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	args := []any{n.ID, n.AppID, string(n.State), next, data}
	m, told := n.Told()
	if !told {
		_, err = o.db.pool.Exec(ctx, putNotification, args...)
		return o.db.failed(err)
	}
	// Its event's untold mark goes in the same statement, and the
	// notification is stored only if this statement deleted the mark:
	// when another replica's write (a live insert, or a sweep's retell)
	// took it first, that one tells the event and this one makes nothing
	// (untold.go).
	// (A transfer's status is not marked here: its lease stands for the mark.)
	args = append(args, untoldKind(m.Kind == notify.MarkRedPacket), m.No, m.Event)
	tag, err := o.db.pool.Exec(ctx, putToldNotification, args...)
	if err != nil {
		return o.db.failed(err)
	}
	if tag.RowsAffected() == 0 {
		return notify.ErrToldElsewhere
	}
	return nil
}

// putToldNotification stores the first write of a notification whose
// event is marked untold, if and only if it deletes that mark.
const putToldNotification = `WITH told AS (DELETE FROM alipay_mock_untold
		WHERE kind = $6 AND key = $7 AND event = $8 RETURNING 1)
	INSERT INTO alipay_mock_notifications (id, app_id, state, next_at, data, updated)
	SELECT $1::text, $2::text, $3::text, $4::timestamptz, $5::bytea, nextval('alipay_mock_notification_updates')
		WHERE EXISTS (SELECT 1 FROM told)
	ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, next_at = EXCLUDED.next_at,
		data = EXCLUDED.data, updated = EXCLUDED.updated, lease_until = NULL, lease_owner = NULL`

const putNotification = `INSERT INTO alipay_mock_notifications (id, app_id, state, next_at, data, updated)
	VALUES ($1, $2, $3, $4, $5, nextval('alipay_mock_notification_updates'))
	ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, next_at = EXCLUDED.next_at,
		data = EXCLUDED.data, updated = EXCLUDED.updated, lease_until = NULL, lease_owner = NULL`

// DeleteNotifications deletes every notification, or one app's, and
// their untold marks (the app's all: marked is for a store that keeps
// marks by notification).
func (o *Outbox) DeleteNotifications(app string, _ []notify.Notification) error {
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

// Changed returns up to max notifications written after the mark after,
// oldest write first, and the mark to pass next time: every replica's
// outbox follows the others' writes with it.
func (o *Outbox) Changed(after int64, max int) ([]notify.Notification, int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	rows, err := o.db.pool.Query(ctx, `SELECT updated, data FROM alipay_mock_notifications
		WHERE updated > $1 ORDER BY updated LIMIT $2`, after, max)
	if err != nil {
		return nil, after, o.db.failed(err)
	}
	defer rows.Close()
	var out []notify.Notification
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&after, &data); err != nil {
			return nil, after, o.db.failed(err)
		}
		n, err := notify.Unmarshal(data)
		if err != nil {
			return nil, after, o.db.failed(err)
		}
		out = append(out, n)
	}
	return out, after, o.db.failed(rows.Err())
}
