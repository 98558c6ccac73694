package trade

import (
	"encoding/json"

	"github.com/alipay-mock/alipay-mock/client/apierr"
)

// Store is where a book writes its trades through when persistence is on.
// Every change is written before the call that made it returns, so what a
// caller was told happened survives a crash.
type Store interface {
	PutTrades([]Trade) error
	DeleteTrades(app string) error // "" deletes every trade
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

// Restore puts stored trades back, without telling the observer. A trade
// stored before trades had a cashier token gets one, written with the
// next change.
func (b *Book) Restore(ts []Trade) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range ts {
		t := ts[i].clone()
		b.byOut[key{t.AppID, t.OutTradeNo}] = &t
		b.byNo[t.TradeNo] = &t
		if t.QRToken != "" {
			b.byQR[t.QRToken] = &t
		}
		if t.CashierToken == "" {
			t.CashierToken = b.ids.Secret()
			b.touched = append(b.touched, t.TradeNo)
		}
		b.byPage[t.CashierToken] = &t
		if t.AuthCode != "" {
			b.buyers[t.AuthCode] = t.Buyer
		}
	}
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
}

// Marshal encodes a trade for a store, private state included.
func Marshal(t Trade) ([]byte, error) {
	return json.Marshal(record{Trade: t, Fingerprint: t.fingerprint})
}

// Unmarshal decodes what Marshal wrote.
func Unmarshal(b []byte) (Trade, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return Trade{}, err
	}
	r.Trade.fingerprint = r.Fingerprint
	return r.Trade, nil
}
