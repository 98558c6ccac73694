package trade

import "testing"

// memStore records what a book writes through.
type memStore struct{ put, removed []Trade }

func (m *memStore) PutTrades(ts []Trade) error    { m.put = append(m.put, ts...); return nil }
func (m *memStore) DeleteTrades(app string) error { return nil }
func (m *memStore) RemoveTrades(ts []Trade) error { m.removed = append(m.removed, ts...); return nil }

func TestEveryChangeIsWrittenThrough(t *testing.T) {
	e := newEnv(t, Options{})
	st := &memStore{}
	e.book.Persist(st)
	o := order("W1", "5.00")
	if _, err := e.book.Precreate(merchant1, o, Context{}); err != nil {
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
