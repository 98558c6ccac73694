package pgstore

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// Jobs are what a replica planned for a time on the mock's clock and that
// must happen even if that replica dies first: an async settlement's
// message, a scenario's simulated buyer. The replica that plans one holds
// its lease (wall time), renews it while it lives and runs the job on its
// own scheduler, in order with the trade's other deadlines (Take). When it
// dies its leases run out, and another replica claims the due jobs (FOR
// UPDATE SKIP LOCKED) and runs them. A job is deleted once it has run.
const jobsSchema = `
CREATE TABLE IF NOT EXISTS alipay_mock_jobs (
	id          text PRIMARY KEY,
	kind        text NOT NULL,
	app_id      text NOT NULL,
	due         timestamptz NOT NULL,
	lease_until timestamptz,
	lease_owner text,
	claimed     boolean NOT NULL DEFAULT false, -- taken over (ClaimJobs): its planner's scheduler must not run it
	data        bytea NOT NULL
);
CREATE INDEX IF NOT EXISTS alipay_mock_jobs_due ON alipay_mock_jobs (due);
`

// Job is one planned job.
type Job struct {
	ID    string
	Kind  string
	AppID string
	Due   time.Time // on the mock's clock
	Data  []byte
}

// PutJob plans a job, leased to this replica for lease; false when one
// with the same id was planned already (it is kept as it is). With told,
// the untold mark of the trade event that planned it, the job is planned
// only by the statement that deletes that mark (as a notification's
// insert, untold.go); false when another replica's (a sweep's) took it.
func (db *DB) PutJob(j Job, lease time.Duration, told ...trade.Untold) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	args := []any{j.ID, j.Kind, j.AppID, j.Due, j.Data, db.owner(), lease.Milliseconds()}
	q := putJob
	if len(told) > 0 {
		u := told[0]
		q, args = putToldJob, append(args, untoldTrade, u.TradeNo, u.Event)
	}
	tag, err := db.pool.Exec(ctx, q, args...)
	return err == nil && tag.RowsAffected() == 1, db.failed(err)
}

// PutJobs plans jobs as PutJob does, in one transaction: all or none.
func (db *DB) PutJobs(js []Job, lease time.Duration) ([]bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, db.failed(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	put := make([]bool, len(js))
	for i, j := range js {
		tag, err := tx.Exec(ctx, putJob, j.ID, j.Kind, j.AppID, j.Due, j.Data, db.owner(), lease.Milliseconds())
		if err != nil {
			return nil, db.failed(err)
		}
		put[i] = tag.RowsAffected() == 1
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, db.failed(err)
	}
	return put, nil
}

const putJob = `INSERT INTO alipay_mock_jobs (id, kind, app_id, due, data, lease_owner, lease_until)
	VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp() + $7 * interval '1 millisecond')
	ON CONFLICT (id) DO NOTHING`

const putToldJob = `WITH told AS (DELETE FROM alipay_mock_untold
		WHERE kind = $8 AND key = $9 AND event = $10 RETURNING 1)
	INSERT INTO alipay_mock_jobs (id, kind, app_id, due, data, lease_owner, lease_until)
	SELECT $1::text, $2::text, $3::text, $4::timestamptz, $5::bytea, $6::text,
		clock_timestamp() + $7::bigint * interval '1 millisecond'
		WHERE EXISTS (SELECT 1 FROM told)
	ON CONFLICT (id) DO NOTHING`

// TakeJob renews this replica's lease of a job it planned, before it runs
// it; false when the job is gone (run, or deleted by a reset) or was
// claimed (by another replica, or by this one after its lease lapsed:
// then its claim runs it, not the planner's scheduler).
func (db *DB) TakeJob(id string, lease time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	tag, err := db.pool.Exec(ctx, `UPDATE alipay_mock_jobs SET lease_until = clock_timestamp() + $3 * interval '1 millisecond'
		WHERE id = $1 AND lease_owner = $2 AND NOT claimed`, id, db.owner(), lease.Milliseconds())
	return err == nil && tag.RowsAffected() == 1, db.failed(err)
}

// RenewJobs renews the leases of every job this replica holds: it is alive.
func (db *DB) RenewJobs(lease time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, err := db.pool.Exec(ctx, `UPDATE alipay_mock_jobs SET lease_until = clock_timestamp() + $2 * interval '1 millisecond'
		WHERE lease_owner = $1`, db.owner(), lease.Milliseconds())
	return db.failed(err)
}

// ClaimJobs leases up to max jobs due at now that no live lease holds (a
// dead replica's), for lease of wall time, oldest due first.
func (db *DB) ClaimJobs(now time.Time, max int, lease time.Duration) ([]Job, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	rows, err := db.pool.Query(ctx, `UPDATE alipay_mock_jobs
		SET lease_until = clock_timestamp() + $1 * interval '1 millisecond', lease_owner = $2, claimed = true
		WHERE id IN (SELECT id FROM alipay_mock_jobs
			WHERE due <= $3 AND (lease_until IS NULL OR lease_until < clock_timestamp())
			ORDER BY due LIMIT $4 FOR UPDATE SKIP LOCKED)
		RETURNING id, kind, app_id, due, data`, lease.Milliseconds(), db.owner(), now, max)
	if err != nil {
		return nil, db.failed(err)
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		var j Job
		if err := rows.Scan(&j.ID, &j.Kind, &j.AppID, &j.Due, &j.Data); err != nil {
			return nil, db.failed(err)
		}
		out = append(out, j)
	}
	return out, db.failed(rows.Err())
}

// DoneJob deletes a job this replica has run.
func (db *DB) DoneJob(id string) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, err := db.pool.Exec(ctx, `DELETE FROM alipay_mock_jobs WHERE id = $1 AND lease_owner = $2`, id, db.owner())
	return db.failed(err)
}

// FailedJob lets go of a job this replica ran without effect (what it
// made was not stored): no renewal holds it, and a replica claims it again
// once its lease runs out.
func (db *DB) FailedJob(id string) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, err := db.pool.Exec(ctx, `UPDATE alipay_mock_jobs SET lease_owner = NULL WHERE id = $1 AND lease_owner = $2`, id, db.owner())
	return db.failed(err)
}

// DeleteJobs deletes every planned job, or one app's.
func (db *DB) DeleteJobs(app string) error {
	if noRowHolds(app) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, err := db.pool.Exec(ctx, `DELETE FROM alipay_mock_jobs WHERE $1 = '' OR app_id = $1`, app)
	return db.failed(err)
}

func (db *DB) owner() string { return "replica-" + strconv.FormatInt(db.boots, 10) }

// goneJobs follows a WITH that deletes trades or red packets (gone: their
// app_id and number, no): it deletes the scenario buyers' steps planned
// for them (a step names its trade's number: gateway.BuyerJob's no) and
// selects how many rows went and the steps' keys and numbers (GoneJob).
const goneJobs = `jobs AS (DELETE FROM alipay_mock_jobs j USING gone
		WHERE j.kind = 'buyer' AND j.app_id = gone.app_id AND convert_from(j.data, 'UTF8')::jsonb->>'no' = gone.no
		RETURNING j.app_id || '|' || (convert_from(j.data, 'UTF8')::jsonb->>'out') AS key, gone.no AS ref)
	SELECT (SELECT count(*) FROM gone), (SELECT coalesce(json_agg(DISTINCT jsonb_build_object('key', key, 'ref', ref)), '[]') FROM jobs)::text::bytea`

// GoneJob names scenario buyer's steps deleted with their trade or red
// packet: the key and ref they were planned under (app|out, the number).
type GoneJob struct {
	Key string `json:"key"`
	Ref string `json:"ref"`
}

// goneJobsPrefix starts the notice of deleted steps (JobsGone).
const goneJobsPrefix = "jobs-gone|"

// announceGoneJobs tells every replica, once tx commits, of the steps gone
// (goneJobs' list), in as many notices as they need (maxNotice each).
func announceGoneJobs(ctx context.Context, tx pgx.Tx, gone []byte) error {
	var js []GoneJob
	if err := json.Unmarshal(gone, &js); err != nil {
		return err
	}
	for len(js) > 0 {
		n, size := 0, 0
		for n < len(js) && (n == 0 || size+len(js[n].Key)+len(js[n].Ref)+20 < maxNotice) {
			size += len(js[n].Key) + len(js[n].Ref) + 20
			n++
		}
		data, err := json.Marshal(js[:n])
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, changedChannel, goneJobsPrefix+string(data)); err != nil {
			return err
		}
		js = js[n:]
	}
	return nil
}

// JobsGone reads a notice Listen passed on: the scenario buyers' steps a
// trim deleted with their trade or red packet (ok: it is one).
func JobsGone(payload string) (js []GoneJob, ok bool) {
	rest, ok := strings.CutPrefix(payload, goneJobsPrefix)
	if !ok || json.Unmarshal([]byte(rest), &js) != nil {
		return nil, false
	}
	return js, true
}
