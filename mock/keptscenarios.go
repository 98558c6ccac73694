package mock

import (
	"sync"

	"github.com/alipay-mock/alipay-mock/mock/store"
)

// keptScenarios keeps the scenarios in force, with their rules' counters
// and states, in the data directory (--data), through the seam --store
// uses (scenarios.Store): a change (a counted call, a moved state, a
// control-API change, a reset) is on disk before the request that made it
// is answered, and a start takes up what is stored.
type keptScenarios struct {
	db    *store.DB
	mu    sync.Mutex // one change at a time, held across its commit, as the database's row lock
	state []byte     // as last stored
}

func newKeptScenarios(db *store.DB) (*keptScenarios, error) {
	st, err := db.Scenarios()
	if err != nil {
		return nil, err
	}
	return &keptScenarios{db: db, state: st}, nil
}

// UpdateScenarios runs f on the stored state and stores what it returns
// when changed; a failed write leaves the state as it was stored and runs
// f's undo before the next change can start (scenarios.Store).
func (k *keptScenarios) UpdateScenarios(f func(state []byte) (next []byte, changed bool, undo func())) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	next, changed, undo := f(k.state)
	if !changed {
		return nil
	}
	if err := k.db.QueueScenarios(next)(); err != nil {
		if undo != nil {
			undo()
		}
		return err
	}
	k.state = next
	return nil
}
