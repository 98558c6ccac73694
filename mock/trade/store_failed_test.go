package trade

import (
	"errors"
	"testing"
	"time"
)

// failingStore is a data file that can no longer be written (--data on a
// failing disk): every write's wait fails with err.
type failingStore struct {
	memStore
	err error
}

func (f *failingStore) PutTrades(ts []Trade, _ ...Untold) func() error {
	return func() error { return f.err }
}

// A list that settles a trade past its deadline as it reads, and a lookup
// that does, report the write the store failed: the store's own error,
// as ErrStore (the gateway's 20000), never a list or a trade that looks
// stored. Nothing to settle, nothing to write: the list answers.
func TestAListTheStoreFailedToSettleSaysSo(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})
	e.precreate(t, "SF1", "1")
	e.precreate(t, "SF2", "1")
	disk := errors.New("write /data/alipay-mock.db: input/output error")
	e.book.Persist(&failingStore{err: disk})
	e.clk.Advance(365 * 24 * time.Hour) // past their deadlines; nothing settled them yet
	if _, err := e.book.Get(app1, "SF2"); !errors.Is(err, ErrStore) || !errors.Is(err, disk) || err.Error() != disk.Error() {
		t.Fatalf("Get settling a trade the store could not write: %v, want the store's error as ErrStore", err)
	}
	_, _, err := e.book.Page(Filter{}, 0, 10, false)
	if !errors.Is(err, ErrStore) || !errors.Is(err, disk) {
		t.Fatalf("Page settling a trade the store could not write: %v, want ErrStore naming the store's error", err)
	}
	if l, err := e.book.List(Filter{}); err != nil || len(l) != 2 {
		t.Fatalf("List with nothing left to settle: %d trades, %v", len(l), err)
	}
}
