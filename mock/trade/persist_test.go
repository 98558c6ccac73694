package trade

import (
	"fmt"
	"testing"

	"github.com/alipay-mock/alipay-mock/fixtures"
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

// A trade as one of its events left it: a notification made again after
// a crash tells that event, not what came after it.
func TestAsOfIsTheTradeAsItsEventLeftIt(t *testing.T) {
	e := newEnv(t, Options{})
	e.paid(t, "AS1", "10.00")
	for i, a := range []string{"3.00", "7.00"} {
		if _, err := e.book.Refund(app1, RefundRequest{Ref: Ref{OutTradeNo: "AS1"}, RefundAmount: amt(a), OutRequestNo: fmt.Sprintf("r%d", i+1)}); err != nil {
			t.Fatal(err)
		}
	}
	now := e.query(t, "AS1")
	if now.Status != Closed || len(now.Refunds) != 2 {
		t.Fatalf("after both refunds: %s with %d refunds", now.Status, len(now.Refunds))
	}
	var first, paid = -1, -1
	for i, ev := range now.History {
		switch {
		case ev.Type == EventPaid:
			paid = i
		case ev.Type == EventRefunded && first < 0:
			first = i
		}
	}
	if first < 0 || paid < 0 {
		t.Fatalf("history %+v", now.History)
	}
	r1 := now.AsOf(first)
	if r1.Status != Success || len(r1.Refunds) != 1 || r1.Refunds[0].OutRequestNo != "r1" || r1.Refunded() != amt("3.00") || r1.Closed != nil {
		t.Fatalf("as of the first refund: %s, refunds %+v, closed %v", r1.Status, r1.Refunds, r1.Closed)
	}
	if i, ok := EventIndex(r1, now.History[first]); !ok || i != first {
		t.Fatalf("the event's index in the trade as of it: %d %v, want %d", i, ok, first)
	}
	if p := now.AsOf(paid); p.Status != Success || len(p.Refunds) != 0 || len(p.History) != paid+1 {
		t.Fatalf("as of the payment: %s, %d refunds, %d events", p.Status, len(p.Refunds), len(p.History))
	}
	if len(now.Refunds) != 2 {
		t.Fatal("AsOf changed the trade it was called on")
	}
}

// A waiting barcode trade stored when a code's buyer was drawn at random
// keeps that buyer: a repeat with its code answers it, paying keeps it,
// and another code (even one whose buyer is now derived) is refused.
func TestRestoredBarcodeTradeKeepsItsBuyer(t *testing.T) {
	old := newEnv(t, Options{})
	tr := must(old.book.Pay(merchant1, barcode("bw1", "5000", authCodeA), ctx))(t).Trade
	drawn := fixtures.New(7).Buyer() // as an older version chose it
	tr.Buyer = drawn
	e := newEnv(t, Options{})
	e.book.Restore([]Trade{tr})
	again := must(e.book.Pay(merchant1, barcode("bw1", "5000", authCodeA), ctx))(t)
	if !again.Waiting || again.Trade.Buyer != drawn {
		t.Fatalf("repeat of a restored waiting trade: waiting %v, buyer %+v, want %+v", again.Waiting, again.Trade.Buyer, drawn)
	}
	_, err := e.book.Pay(merchant1, barcode("bw1", "5000", authCodeB), ctx)
	wantErr(t, err, ErrBuyerNotMatch)
	if paid := must(e.book.Act(app1, "bw1", ActPay, nil))(t); paid.Buyer != drawn {
		t.Fatalf("paid by %+v, want %+v", paid.Buyer, drawn)
	}
}
