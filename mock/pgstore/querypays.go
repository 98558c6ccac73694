package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
)

// KindQueryPays are the simulated buyers waiting for a number of queries
// (pay_after_queries), one per app and out_trade_no: every replica's
// queries count down the same row.
const KindQueryPays = "querypays"

type queryPay struct {
	Left    int             `json:"left"`
	Who     *fixtures.Buyer `json:"who,omitempty"`
	TradeNo string          `json:"trade_no,omitempty"`
}

// PutQueryPay stores a waiting buyer and tells every replica one exists.
func (db *DB) PutQueryPay(app, out, tradeNo string, left int, who *fixtures.Buyer) error {
	_, err := db.put(KindQueryPays, app+"|"+out, queryPay{Left: left, Who: who, TradeNo: tradeNo}, "")
	return err
}

// queryClaimLease is how long a query that counted a buyer out holds it:
// its payment's operations (the claim, the trade's read, scan and pay and
// the row's end) each end within opTimeout. A claim older than that (its
// replica died, or its end was not kept) lets a later query pay again:
// paying a paid trade changes nothing.
const queryClaimLease = 5 * opTimeout

// TakeQuery counts one query under the row's lock; the query that takes
// the count below zero pays, and claims the row (claimed): no other query
// pays until EndQueryPay or the claim's lease runs out. A row counted out
// with no claim (an earlier version's) is claimed again.
func (db *DB) TakeQuery(app, out string) (bool, *fixtures.Buyer, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var data []byte
	var claimed *time.Time
	err := db.pool.QueryRow(ctx, `UPDATE alipay_mock_kv SET
			data = CASE WHEN (data->>'left')::int < 0 THEN data ELSE jsonb_set(data, '{left}', to_jsonb((data->>'left')::int - 1)) END,
			claimed = CASE WHEN (data->>'left')::int <= 0 THEN clock_timestamp() END
		WHERE kind = $1 AND k = $2
			AND ((data->>'left')::int >= 0 OR claimed IS NULL OR claimed < clock_timestamp() - make_interval(secs => $3))
		RETURNING data, claimed`, KindQueryPays, app+"|"+out, queryClaimLease.Seconds()).Scan(&data, &claimed)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil, "", nil // none, or claimed
	}
	if err != nil {
		return false, nil, "", db.failed(err)
	}
	var q queryPay
	if err := json.Unmarshal(data, &q); err != nil {
		return false, nil, "", err
	}
	if q.Left >= 0 || claimed == nil {
		return false, nil, "", nil
	}
	db.claims.Store(app+"|"+out, *claimed)
	return true, q.Who, q.TradeNo, nil
}

// EndQueryPay deletes the row counted out (kept), or counts it back to
// zero (not kept: the next query pays). Only the row this replica's
// query claimed, under that claim: a repeat planned meanwhile stays, and
// so does a later claim another query made once this one lapsed. One
// that fails leaves the row claimed until the lease runs out.
func (db *DB) EndQueryPay(app, out string, kept bool) error {
	v, ok := db.claims.LoadAndDelete(app + "|" + out)
	if !ok {
		return nil // no claim of this replica's to end
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	q := `DELETE FROM alipay_mock_kv WHERE kind = $1 AND k = $2 AND (data->>'left')::int < 0 AND claimed = $3`
	if !kept {
		q = `UPDATE alipay_mock_kv SET data = jsonb_set(data, '{left}', '0'), claimed = NULL
			WHERE kind = $1 AND k = $2 AND (data->>'left')::int < 0 AND claimed = $3`
	}
	_, err := db.pool.Exec(ctx, q, KindQueryPays, app+"|"+out, v.(time.Time))
	return db.failed(err)
}

// ForgetQueryPay deletes the buyer planned for trade tradeNo.
func (db *DB) ForgetQueryPay(app, out, tradeNo string) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, err := db.pool.Exec(ctx, `DELETE FROM alipay_mock_kv WHERE kind = $1 AND k = $2 AND data->>'trade_no' = $3`,
		KindQueryPays, app+"|"+out, tradeNo)
	return db.failed(err)
}

// DeleteQueryPays deletes one app's waiting buyers, or every app's.
func (db *DB) DeleteQueryPays(app string) error {
	if noRowHolds(app) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, err := db.pool.Exec(ctx, `DELETE FROM alipay_mock_kv WHERE kind = $1 AND ($2 = '' OR starts_with(k, $2 || '|'))`, KindQueryPays, app)
	return db.failed(err)
}

var _ gateway.QueryPays = (*DB)(nil)
