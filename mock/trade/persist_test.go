package trade

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/domain"
)

// memStore records what a book writes through.
type memStore struct{ put, removed []Trade }

func (m *memStore) PutTrades(ts []Trade, _ ...Untold) func() error {
	m.put = append(m.put, ts...)
	return func() error { return nil }
}
func (m *memStore) DeleteTrades(app string) error { return nil }
func (m *memStore) Sync() error                   { return nil }
func (m *memStore) RemoveTrades(ts []Trade) error { m.removed = append(m.removed, ts...); return nil }

func TestEveryChangeIsWrittenThrough(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})
	st := &memStore{}
	e.book.Persist(st)
	o := order("W1", "5.00")
	if _, err := e.book.Precreate(merchant1, o, domain.Context{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.book.Close(app1, Ref{OutTradeNo: "W1"}, ""); err != nil {
		t.Fatal(err)
	}
	// Cancelling a closed trade only notes the action: no event, still stored.
	st.put = nil
	if _, err := e.book.Cancel(app1, Ref{OutTradeNo: "W1"}); err != nil {
		t.Fatal(err)
	}
	if len(st.put) != 1 || st.put[0].CancelAction != "close" {
		t.Fatalf("written on cancel: %+v", st.put)
	}
	// Reading changes nothing, so writes nothing.
	st.put = nil
	if _, err := e.book.Query(app1, Ref{OutTradeNo: "W1"}); err != nil {
		t.Fatal(err)
	}
	if len(st.put) != 0 {
		t.Fatalf("a query wrote %d trades", len(st.put))
	}
}

// A trade stored before trades had a cashier token gets one when
// restored, opens its cashier by it, and the token is written with the
// next change.
func TestRestoreGivesOldTradesACashierToken(t *testing.T) {
	old := newEnv(t, Options{ShowUnscanned: true})
	tr := old.precreate(t, "old1", "10")
	tr.CashierToken = ""
	b, err := Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, Options{ShowUnscanned: true})
	e.book.Restore([]Trade{stored})
	st := &memStore{}
	e.book.Persist(st)
	got := must(e.book.Get(app1, "old1"))(t)
	if got.CashierToken == "" {
		t.Fatal("no cashier token after restore")
	}
	if p := must(e.book.OnPage(PageCashier, got.CashierToken))(t); p.TradeNo != tr.TradeNo {
		t.Fatalf("cashier token opens %s", p.TradeNo)
	}
	if q := must(e.book.OnPage(PageQR, tr.QRToken))(t); q.TradeNo != tr.TradeNo {
		t.Fatalf("QR token opens %s", q.TradeNo)
	}
	e.precreate(t, "new1", "1") // the next commits write what restore touched
	for _, w := range st.put {
		if w.TradeNo == tr.TradeNo && w.CashierToken == got.CashierToken {
			return
		}
	}
	t.Fatalf("the new token was not written: %+v", st.put)
}
