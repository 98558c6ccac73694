package trade

import (
	"encoding/json"
	"sort"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
)

// Store is where a book writes its trades through when persistence is on.
// Every change is written before the call that made it returns, so what a
// caller was told happened survives a crash.
type Store interface {
	PutTrades([]Trade) error
	DeleteTrades(app string) error // "" deletes every trade
	RemoveTrades([]Trade) error    // the trades eviction dropped
}

// ErrStore is the answer when a change could not be written: the result is
// unknown to the caller, as Alipay's 20000 says, and a query tells.
var ErrStore = apierr.Unknown("isp.unknow-error", "系统繁忙")

// Persist makes the book write every change through s from now on.
func (b *Book) Persist(s Store) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.store = s
}

// Restore puts stored trades back in the order they were made, without
// telling the observer, and evicts past Keep (from the store too, when
// persistence is on). It returns the trades kept. Trades stored before
// they were numbered are numbered now, oldest first, and written back. A trade stored before trades had a cashier token gets one,
// written with the next change.
func (b *Book) Restore(ts []Trade) []Trade {
	b.mu.Lock()
	list := make([]*Trade, 0, len(ts))
	for i := range ts {
		t := ts[i].clone()
		if old := b.byNo[t.TradeNo]; old != nil {
			b.remove(old)
		}
		list = append(list, &t)
	}
	// Numbered trades in their order, after them the ones stored before
	// numbering, oldest first (there are only those, or none of them).
	sort.SliceStable(list, func(i, j int) bool {
		a, c := list[i], list[j]
		if (a.seq == 0) != (c.seq == 0) {
			return a.seq != 0
		}
		if a.seq != c.seq {
			return a.seq < c.seq
		}
		if !a.Created.Equal(c.Created) {
			return a.Created.Before(c.Created)
		}
		return a.TradeNo < c.TradeNo
	})
	var legacy []Trade
	for _, t := range list {
		numbered := t.seq != 0
		t.seq = b.ledger.Load(t.seq, t)
		if !numbered {
			legacy = append(legacy, t.clone())
		}
		b.byOut[key{t.AppID, t.OutTradeNo}] = t
		b.byNo[t.TradeNo] = t
		if t.QRToken != "" {
			b.byQR[t.QRToken] = t
		}
		if t.CashierToken == "" {
			t.CashierToken = b.ids.Secret()
			b.touched = append(b.touched, t.TradeNo)
		}
		b.byPage[t.CashierToken] = t
		if t.AuthCode != "" {
			b.buyers[t.AuthCode] = t.Buyer
		}
	}
	// Final trades queue for eviction in the order they became final.
	var final []*Trade
	for _, t := range list {
		if t.Final() {
			final = append(final, t)
		}
	}
	sort.SliceStable(final, func(i, j int) bool { return finalAt(final[i]).Before(finalAt(final[j])) })
	for _, t := range final {
		b.ledger.Final(t.seq)
	}
	if b.store != nil && len(legacy) > 0 {
		_ = b.store.PutTrades(legacy) // the store reports failures
	}
	evicted := b.evict()
	kept := make([]Trade, 0, b.ledger.Len())
	b.ledger.Each(0, func(_ uint64, t *Trade) bool {
		kept = append(kept, t.clone())
		return true
	})
	onEvict := b.onEvict
	b.mu.Unlock()
	if onEvict != nil && len(evicted) > 0 {
		onEvict(evicted)
	}
	return kept
}

// finalAt is when a final trade became final: its last event.
func finalAt(t *Trade) time.Time {
	if n := len(t.History); n > 0 {
		return t.History[n-1].At
	}
	return t.Created
}

// write stores the current state of the trades that changes touched; the
// lock is held.
func (b *Book) write(changes []change) error {
	nos := b.touched
	b.touched = nil
	for _, c := range changes {
		nos = append(nos, c.t.TradeNo)
	}
	if b.store == nil || len(nos) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var ts []Trade
	for _, no := range nos {
		if seen[no] {
			continue
		}
		seen[no] = true
		if t := b.byNo[no]; t != nil {
			ts = append(ts, t.clone())
		}
	}
	if err := b.store.PutTrades(ts); err != nil {
		return ErrStore
	}
	return nil
}

// record is a trade as stored: its fields and the fingerprint of the
// request that made it, which idempotent repeats are compared with.
type record struct {
	Trade
	Fingerprint string `json:"fingerprint,omitempty"`
	Seq         uint64 `json:"seq,omitempty"`
}

// Marshal encodes a trade for a store, private state included.
func Marshal(t Trade) ([]byte, error) {
	return json.Marshal(record{Trade: t, Fingerprint: t.fingerprint, Seq: t.seq})
}

// Unmarshal decodes what Marshal wrote.
func Unmarshal(b []byte) (Trade, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return Trade{}, err
	}
	r.Trade.fingerprint, r.Trade.seq = r.Fingerprint, r.Seq
	return r.Trade, nil
}
