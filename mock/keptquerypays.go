package mock

import (
	"encoding/json"
	"strings"
	"sync"

	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/store"
)

// keptQueryPays keeps, with --data, the scenario buyers waiting for a
// number of queries (pay_after_queries) through the gateway's QueryPays
// seam that --store uses: counted in memory, each count written before
// the query that made it is answered, loaded again at start.
type keptQueryPays struct {
	db *store.DB
	mu sync.Mutex
	m  map[string]keptQueryPay // app|out → waiting buyer
}

type keptQueryPay struct {
	Left    int             `json:"left"`
	Who     *fixtures.Buyer `json:"who,omitempty"`
	TradeNo string          `json:"trade_no,omitempty"`
}

var _ gateway.QueryPays = (*keptQueryPays)(nil)

func newKeptQueryPays(db *store.DB) (*keptQueryPays, error) {
	raw, err := db.QueryPays()
	if err != nil {
		return nil, err
	}
	k := &keptQueryPays{db: db, m: make(map[string]keptQueryPay, len(raw))}
	for key, v := range raw {
		var q keptQueryPay
		if json.Unmarshal(v, &q) == nil {
			k.m[key] = q
		}
	}
	return k, nil
}

// write queues q (nil: deletion) for key; k.mu is held, so writes of
// one key are queued in the order they were made.
func (k *keptQueryPays) write(key string, q *keptQueryPay) func() error {
	app, out, _ := strings.Cut(key, "|")
	var v []byte
	if q != nil {
		var err error
		if v, err = json.Marshal(q); err != nil { // nil would be a deletion
			return func() error { return err }
		}
	}
	return k.db.QueueQueryPay(app, out, v)
}

// PutQueryPay keeps a waiting buyer; one the store failed to keep is
// taken back out of memory (the request answers 20000: no buyer comes).
func (k *keptQueryPays) PutQueryPay(app, out, tradeNo string, left int, who *fixtures.Buyer) error {
	key := app + "|" + out
	q := keptQueryPay{Left: left, Who: who, TradeNo: tradeNo}
	k.mu.Lock()
	prev, had := k.m[key]
	k.m[key] = q
	wait := k.write(key, &q)
	k.mu.Unlock()
	if err := wait(); err != nil {
		k.undo(key, q, true, prev, had)
		return err
	}
	return nil
}

// undo puts back what key held before a change the store failed to keep
// (now is what the change left: present or not), unless another change
// of key came since.
func (k *keptQueryPays) undo(key string, now keptQueryPay, present bool, prev keptQueryPay, had bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if cur, ok := k.m[key]; ok != present || (ok && cur != now) {
		return
	}
	if had {
		k.m[key] = prev
	} else {
		delete(k.m, key)
	}
}

func (k *keptQueryPays) TakeQuery(app, out string) (bool, *fixtures.Buyer, string, error) {
	key := app + "|" + out
	k.mu.Lock()
	q, ok := k.m[key]
	if !ok {
		k.mu.Unlock()
		return false, nil, "", nil
	}
	prev := q
	q.Left--
	var wait func() error
	if q.Left < 0 {
		delete(k.m, key)
		wait = k.write(key, nil)
	} else {
		k.m[key] = q
		wait = k.write(key, &q)
	}
	k.mu.Unlock()
	if err := wait(); err != nil {
		// Not counted: the query answers 20000 and the count stays the
		// stored one.
		k.undo(key, q, q.Left >= 0, prev, true)
		return false, nil, "", err
	}
	return q.Left < 0, q.Who, q.TradeNo, nil
}

// forget drops the waiting buyers of an app, or every app's (a reset),
// and reports the store's failure to delete them.
func (k *keptQueryPays) forget(app string) error {
	k.mu.Lock()
	for key := range k.m {
		if app == "" || strings.HasPrefix(key, app+"|") {
			delete(k.m, key)
		}
	}
	k.mu.Unlock()
	return k.db.DeleteQueryPays(app)
}

// drop forgets the buyer waiting to pay trade tradeNo (key app|out):
// evicted.
func (k *keptQueryPays) drop(key, tradeNo string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if q, ok := k.m[key]; ok && (q.TradeNo == tradeNo || q.TradeNo == "") {
		delete(k.m, key)
		k.write(key, nil)
	}
}

// keepQueryPaysOfKept drops, at start, the waiting buyers of trades no
// longer kept.
func (s *Server) keepQueryPaysOfKept(kept keptAtStart) {
	k := s.queryPaysKept
	k.mu.Lock()
	defer k.mu.Unlock()
	for key, q := range k.m {
		if no, ok := kept.trades[key]; ok && (q.TradeNo == "" || no == q.TradeNo) {
			continue
		}
		delete(k.m, key)
		k.write(key, nil)
	}
}

// waitingBuyers counts the scenario buyers waiting for queries this
// process holds: in memory, or kept with --data.
func (s *Server) waitingBuyers() int {
	if k := s.queryPaysKept; k != nil {
		k.mu.Lock()
		defer k.mu.Unlock()
		return len(k.m)
	}
	return s.gw.WaitingBuyers()
}
