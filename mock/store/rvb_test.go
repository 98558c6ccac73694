package store_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/store"
)

// A data file emptied (0 bytes: truncated by a file system after a crash,
// or by a mistaken "> alipay-mock.db") beside a write-ahead log that this
// directory's runs wrote is taken as a new directory: bbolt makes a new
// file in its place, the start succeeds and every trade, app and
// notification is gone without a word, where a file truncated to a third
// is refused as ErrUnreadable. A directory whose log shows it was used
// must not open empty.
func TestRvbEmptiedDataFileOpensAsNew(t *testing.T) {
	dir := filled(t) // 400 trades, cleanly closed
	if err := os.Truncate(filepath.Join(dir, store.FileName), 0); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dir)
	if err != nil {
		return // refused: the user is told
	}
	defer db.Close()
	ts, _ := db.Trades()
	t.Errorf("an emptied data file beside a used log opened as a new directory (%d trades, boot %d): 400 trades lost without an error", len(ts), db.Boots())
}
