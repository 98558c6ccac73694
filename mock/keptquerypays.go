package mock

import (
	"encoding/json"
	"strings"
	"sync"

	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/store"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// keptQueryPays keeps, with --data, the scenario buyers waiting for a
// number of queries (pay_after_queries) through the gateway's QueryPays
// seam that --store uses: counted in memory, each count written before
// the query that made it is answered, loaded again at start.
//
// A change the store fails to keep is undone only if nothing changed the
// key since (its version), and back to what the disk holds, not to what
// memory held before it: two counts failing in one batch leave neither.
type keptQueryPays struct {
	db  queryPayStore
	mu  sync.Mutex
	m   map[string]keptQueryPay   // app|out → waiting buyer
	ks  map[string]*queryPayState // keys with writes unsettled or a payment under way
	seq uint64                    // versions, never reused
}

// queryPayStore is what keptQueryPays needs of the data file.
type queryPayStore interface {
	QueueQueryPay(app, out string, v []byte) func() error
	QueueDeleteQueryPays(app string) func() error
}

type keptQueryPay struct {
	Left    int             `json:"left"`
	Who     *fixtures.Buyer `json:"who,omitempty"`
	TradeNo string          `json:"trade_no,omitempty"`
}

// queryPayState follows one key's writes until the store has settled them.
type queryPayState struct {
	ver    uint64         // of the key's last change in memory (or a reset's)
	stored *keptQueryPay  // what the disk holds before the writes in pend (nil: none)
	pend   []queryPayPend // writes queued, oldest first
	paying *keptQueryPay  // the buyer TakeQuery let pay, until EndQueryPay
	payVer uint64         // the version its taking left
}

type queryPayPend struct {
	ver  uint64
	v    *keptQueryPay
	wait func() error
	paid bool // a paid buyer's removal: never undone (its payment is kept)
}

var _ gateway.QueryPays = (*keptQueryPays)(nil)

func newKeptQueryPays(db *store.DB) (*keptQueryPays, error) {
	raw, err := db.QueryPays()
	if err != nil {
		return nil, err
	}
	k := &keptQueryPays{db: db, m: make(map[string]keptQueryPay, len(raw)), ks: map[string]*queryPayState{}}
	for key, v := range raw {
		var q keptQueryPay
		if json.Unmarshal(v, &q) == nil {
			k.m[key] = q
		}
	}
	return k, nil
}

// state is key's follower, made from memory (then what the disk holds:
// no write is unsettled); k.mu is held.
func (k *keptQueryPays) state(key string) *queryPayState {
	st := k.ks[key]
	if st == nil {
		st = &queryPayState{}
		if q, ok := k.m[key]; ok {
			st.stored = &q
		}
		k.ks[key] = st
	}
	return st
}

// set changes key in memory (q nil: deletes it) and queues its write;
// k.mu is held, so writes of one key are queued in the order they were
// made. The version returned is for settle.
func (k *keptQueryPays) set(key string, q *keptQueryPay) (uint64, func() error) {
	st := k.state(key)
	k.seq++
	st.ver = k.seq
	if q != nil {
		k.m[key] = *q
	} else {
		delete(k.m, key)
	}
	wait := k.write(key, q)
	st.pend = append(st.pend, queryPayPend{ver: st.ver, v: q, wait: wait})
	return st.ver, wait
}

// settle records the outcome err of key's write made at version ver, and
// of the writes queued before it (done too: batches are written in
// order). A failed write is undone, back to what the disk holds, unless
// the key changed since or it removed a paid buyer.
func (k *keptQueryPays) settle(key string, ver uint64, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	st := k.ks[key]
	if st == nil {
		return
	}
	undo := err != nil && st.ver == ver
	for i, p := range st.pend {
		if p.ver != ver {
			continue
		}
		for _, q := range st.pend[:i] {
			if q.wait() == nil {
				st.stored = q.v
			}
		}
		if err == nil {
			st.stored = p.v
		}
		undo = undo && !p.paid
		st.pend = st.pend[i+1:]
		break
	}
	if undo {
		if st.stored != nil {
			k.m[key] = *st.stored
		} else {
			delete(k.m, key)
		}
	}
	k.tidy(key, st)
}

// setThenSettle sets key to q (nil: deletes it) with k.mu held, unlocks
// it, waits for the write and settles it; its error is the store's.
func (k *keptQueryPays) setThenSettle(key string, q *keptQueryPay) error {
	ver, wait := k.set(key, q)
	k.mu.Unlock()
	err := wait()
	k.settle(key, ver, err)
	return err
}

// tidy forgets key's follower once nothing is left to settle.
func (k *keptQueryPays) tidy(key string, st *queryPayState) {
	if len(st.pend) == 0 && st.paying == nil {
		delete(k.ks, key)
	}
}

// write queues q (nil: deletion) for key.
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
	k.mu.Lock()
	return k.setThenSettle(key, &keptQueryPay{Left: left, Who: who, TradeNo: tradeNo})
}

// ForgetQueryPay takes back the buyer PutQueryPay kept for trade tradeNo
// (the rest of its plan not kept).
func (k *keptQueryPays) ForgetQueryPay(app, out, tradeNo string) error {
	key := app + "|" + out
	k.mu.Lock()
	if q, ok := k.m[key]; !ok || q.TradeNo != tradeNo {
		k.mu.Unlock()
		return nil
	}
	return k.setThenSettle(key, nil)
}

// TakeQuery counts one query. The one the buyer pays on writes nothing:
// the buyer is out of memory (no other query pays) until EndQueryPay
// says whether its payment was kept.
func (k *keptQueryPays) TakeQuery(app, out string) (bool, *fixtures.Buyer, string, error) {
	key := app + "|" + out
	k.mu.Lock()
	q, ok := k.m[key]
	if !ok {
		k.mu.Unlock()
		return false, nil, "", nil
	}
	if q.Left <= 0 {
		st := k.state(key)
		k.seq++
		st.ver, st.payVer, st.paying = k.seq, k.seq, &q
		delete(k.m, key)
		k.mu.Unlock()
		return true, q.Who, q.TradeNo, nil
	}
	q.Left--
	err := k.setThenSettle(key, &q) // not kept: not counted, the query answers 20000
	return false, nil, "", err
}

// EndQueryPay ends the payment TakeQuery let happen: kept, the buyer's
// record goes, from memory even if the file fails to delete it (a start
// drops it: its trade is paid); not kept (the query answers 20000), the
// buyer waits again to pay on the next query, unless the key changed
// meanwhile (a reset, a new plan).
func (k *keptQueryPays) EndQueryPay(app, out string, kept bool) error {
	key := app + "|" + out
	k.mu.Lock()
	st := k.ks[key]
	if st == nil || st.paying == nil {
		k.mu.Unlock()
		return nil
	}
	q, same := *st.paying, st.ver == st.payVer
	st.paying = nil
	if !same {
		k.tidy(key, st)
		k.mu.Unlock()
		return nil
	}
	if !kept {
		q.Left = 0
		k.m[key] = q
		k.seq++
		st.ver = k.seq
		k.tidy(key, st)
		k.mu.Unlock()
		return nil
	}
	ver, wait := k.set(key, nil)
	st.pend[len(st.pend)-1].paid = true
	k.mu.Unlock()
	err := wait()
	k.settle(key, ver, err)
	return err
}

// forget drops the waiting buyers of an app, or every app's (a reset),
// and reports the store's failure to delete them. The delete is queued
// after the writes made before it and, for a key with writes unsettled,
// is one of them: no undo of an earlier write brings a buyer back.
func (k *keptQueryPays) forget(app string) error {
	of := func(key string) bool { return app == "" || strings.HasPrefix(key, app+"|") }
	k.mu.Lock()
	for key := range k.m {
		if of(key) {
			delete(k.m, key)
		}
	}
	wait := k.db.QueueDeleteQueryPays(app)
	vers := map[string]uint64{}
	for key, st := range k.ks {
		if of(key) {
			k.seq++
			st.ver = k.seq
			st.pend = append(st.pend, queryPayPend{ver: st.ver, wait: wait})
			vers[key] = st.ver
		}
	}
	k.mu.Unlock()
	err := wait()
	for key, ver := range vers {
		if err == nil {
			k.settle(key, ver, nil)
		} else {
			k.unqueue(key, ver) // what the disk holds is unknown: memory stays cleared
		}
	}
	return err
}

// unqueue settles key's writes up to the failed reset at version ver,
// leaving memory as it is.
func (k *keptQueryPays) unqueue(key string, ver uint64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	st := k.ks[key]
	if st == nil {
		return
	}
	for i, p := range st.pend {
		if p.ver == ver {
			st.pend = st.pend[i+1:]
			break
		}
	}
	k.tidy(key, st)
}

// drop forgets the buyer waiting to pay trade tradeNo (key app|out):
// evicted.
func (k *keptQueryPays) drop(key, tradeNo string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if q, ok := k.m[key]; ok && (q.TradeNo == tradeNo || q.TradeNo == "") {
		ver, wait := k.set(key, nil)
		go func() { k.settle(key, ver, wait()) }()
	}
}

// keepQueryPaysOfKept drops, at start, the waiting buyers of trades no
// longer kept or no longer waiting to be paid (a paid buyer whose removal
// the file failed to take).
func (s *Server) keepQueryPaysOfKept(kept keptAtStart) {
	k := s.queryPaysKept
	k.mu.Lock()
	defer k.mu.Unlock()
	for key, q := range k.m {
		app, _, _ := strings.Cut(key, "|")
		no, ok := kept.trades[key]
		if ok && (q.TradeNo == "" || no == q.TradeNo) && kept.byNo[app+"|"+no].Status == trade.WaitBuyerPay {
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
