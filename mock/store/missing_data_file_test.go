package store_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/store"
)

// TestOpenRefusesMissingDataFileOfUsedDirectory: the data file removed (rm
// alipay-mock.db, a volume that mounted without it) beside the write-ahead
// log a start wrote is the same loss as an emptied one: it is refused, and
// nothing is created in its place. Moving the log away starts a new store.
func TestOpenRefusesMissingDataFileOfUsedDirectory(t *testing.T) {
	dir := filled(t) // 400 trades, cleanly closed
	path, logPath := filepath.Join(dir, store.FileName), filepath.Join(dir, store.LogName)
	if fi, err := os.Stat(logPath); err != nil || fi.Size() == 0 {
		t.Fatalf("the log of a used directory: %v, %v", fi, err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dir)
	if err == nil {
		ts, _ := db.Trades()
		db.Close()
		t.Fatalf("a used directory whose data file is gone opened as a new one (%d trades, boot %d): 400 trades lost without an error", len(ts), db.Boots())
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), store.LogName) {
		t.Errorf("error: %v", err)
	}
	t.Log(err)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a data file was made by the refused start: %v", err)
	}

	if err := os.Rename(logPath, logPath+".old"); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(dir)
	if err != nil {
		t.Fatalf("the log moved away: %v", err)
	}
	defer db.Close()
	if ts, err := db.Trades(); err != nil || len(ts) != 0 {
		t.Errorf("a new store: %d trades, %v", len(ts), err)
	}
}
