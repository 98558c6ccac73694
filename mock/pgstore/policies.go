package pgstore

import (
	"context"

	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// KindPolicies are scenario policies for notifications (then.notify), one
// per app and out_trade_no (or out_order_no), read by whichever replica
// builds a notification (notify.PolicyStore).
const KindPolicies = "policies"

// PutPolicy stores one policy and tells every replica that policies exist.
func (db *DB) PutPolicy(app, out string, p notify.Policy) error {
	_, err := db.put(KindPolicies, app+"|"+out, p, "")
	return err
}

// Policy reads one policy.
func (db *DB) Policy(app, out string) (notify.Policy, bool, error) {
	var p notify.Policy
	ok, err := db.get(KindPolicies, "k = $2", app+"|"+out, &p)
	return p, ok, err
}

// DeletePolicy deletes one policy.
func (db *DB) DeletePolicy(app, out string) error {
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
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	_, err := db.pool.Exec(ctx, `DELETE FROM alipay_mock_kv WHERE kind = $1 AND starts_with(k, $2)`, KindPolicies, app+"|")
	return db.failed(err)
}

var _ notify.PolicyStore = (*DB)(nil)
