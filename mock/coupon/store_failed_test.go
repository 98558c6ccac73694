package coupon

import (
	"errors"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// failingStore is a data file that can no longer be written (--data on a
// failing disk): every write's wait fails with err.
type failingStore struct{ err error }

func (f failingStore) PutOrders([]Order, ...Untold) func() error {
	return func() error { return f.err }
}
func (f failingStore) DeleteOrders(string) error  { return f.err }
func (f failingStore) RemoveOrders([]Order) error { return f.err }
func (f failingStore) Sync() error                { return f.err }

// A list that settles a red packet past its deadline as it reads (the
// automatic refund), and a lookup that does, report the write the store
// failed, with the store's own error, never a list that looks stored.
func TestAListTheStoreFailedToSettleSaysSo(t *testing.T) {
	e := newEnv(t, Options{})
	e.packet(t, "SF1", "10")
	e.packet(t, "SF2", "10")
	disk := errors.New("write /data/alipay-mock.db: input/output error")
	e.book.Persist(failingStore{err: disk})
	e.clk.Set(t0.Add(48 * time.Hour)) // past their refund time; nothing settled them yet
	if _, err := e.book.Get(app1, "SF2"); !errors.Is(err, trade.ErrStore) || !errors.Is(err, disk) {
		t.Fatalf("Get settling a red packet the store could not write: %v, want the store's error as ErrStore", err)
	}
	if _, _, err := e.book.Page("", "", 0, 10, false); !errors.Is(err, trade.ErrStore) || !errors.Is(err, disk) {
		t.Fatalf("Page settling a red packet the store could not write: %v, want the store's error as ErrStore", err)
	}
	if l, err := e.book.List(""); err != nil || len(l) != 2 {
		t.Fatalf("List with nothing left to settle: %d red packets, %v", len(l), err)
	}
}
