package pgstore

import "encoding/json"

// The answers queued through the control API (gateway.QueueStore) are one
// row; a gateway request takes from it under its lock, so it does so only
// while answers may be queued (AnyFaults). A replica believes none are
// only while its listener holds faultsLock shared, found the row's list
// empty and is live (a belief, as for policies: policies.go), and checks
// again at each change announced. A replica that queues an answer waits, before its
// request goes on, until every listening replica heard (let go of the
// lock): the next gateway request, on any replica, looks in the queue.

// anyFaultsQueued is whether the stored queue lists an answer.
const anyFaultsQueued = `SELECT EXISTS (SELECT 1 FROM alipay_mock_kv WHERE kind = 'faults' AND k = 'state'
	AND jsonb_typeof(data->'list') = 'array' AND data->'list' <> '[]'::jsonb)`

// AnyFaults reports whether answers may be queued: false only while this
// replica knows none are (gateway's shared queue).
func (db *DB) AnyFaults() bool { return !db.believesNone(&db.faults) }

// queueSeq is the count of answers ever queued that a stored queue carries
// (gateway's queueState): it grows only when an answer is added.
func queueSeq(state []byte) int {
	var st struct {
		Seq int `json:"seq"`
	}
	_ = json.Unmarshal(state, &st)
	return st.Seq
}
