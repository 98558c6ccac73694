package pgstore

import (
	"context"
	"strconv"
	"time"
)

// Jobs are what a replica planned for a time on the mock's clock and that
// must happen even if that replica dies first: an async settlement's
// message, a scenario's simulated buyer. Like notification attempts, a due
// job is leased to one replica (FOR UPDATE SKIP LOCKED, a lease in wall
// time) and deleted when it has run; a dead replica's lease runs out and
// another takes the job.
const jobsSchema = `
CREATE TABLE IF NOT EXISTS alipay_mock_jobs (
	id          text PRIMARY KEY,
	kind        text NOT NULL,
	app_id      text NOT NULL,
	due         timestamptz NOT NULL,
	lease_until timestamptz,
	lease_owner text,
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

// PutJob plans a job; one with the same id is kept as it is.
func (db *DB) PutJob(j Job) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, err := db.pool.Exec(ctx, `INSERT INTO alipay_mock_jobs (id, kind, app_id, due, data) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO NOTHING`, j.ID, j.Kind, j.AppID, j.Due, j.Data)
	return db.failed(err)
}

// ClaimJobs leases up to max jobs due at now that no live lease holds, for
// lease of wall time, oldest due first.
func (db *DB) ClaimJobs(now time.Time, max int, lease time.Duration) ([]Job, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	rows, err := db.pool.Query(ctx, `UPDATE alipay_mock_jobs
		SET lease_until = clock_timestamp() + $1 * interval '1 millisecond', lease_owner = $2
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

// DeleteJobs deletes every planned job, or one app's.
func (db *DB) DeleteJobs(app string) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, err := db.pool.Exec(ctx, `DELETE FROM alipay_mock_jobs WHERE $1 = '' OR app_id = $1`, app)
	return db.failed(err)
}

func (db *DB) owner() string { return "replica-" + strconv.FormatInt(db.boots, 10) }
