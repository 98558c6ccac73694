package store_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/store"
)

// TestRVLostLogOfUncleanDirectoryIsRefused: a directory left by a crash
// (bbolt still holds the write-ahead log's id: the log has changes bbolt
// lacks) whose log is then missing or emptied (rm alipay-mock.wal, a
// backup or volume copy of alipay-mock.db alone) must not open as if
// nothing were lost: acknowledged changes live only in that log. A
// missing data file beside a used log is refused
// (TestOpenRefusesMissingDataFileOfUsedDirectory); the missing log beside
// an uncleanly closed data file is the same loss and opens silently.
func TestRVLostLogOfUncleanDirectoryIsRefused(t *testing.T) {
	defer store.HoldCheckpoints()()
	dir, db := openTemp(t)
	defer db.Close()
	put(t, db, version("T1", 1)) // acknowledged: on disk in the log only
	if st := db.Stats(); st.Checkpoints != 0 {
		t.Fatalf("stats %+v: the test needs its change in the log only", st)
	}
	img := image(t, db, dir) // the directory as SIGKILL leaves it
	for _, tc := range []struct {
		name string
		do   func(path string) error
	}{
		{"log removed", os.Remove},
		{"log emptied", func(p string) error { return os.Truncate(p, 0) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := t.TempDir()
			for _, name := range []string{store.FileName, store.LogName} {
				b, err := os.ReadFile(filepath.Join(img, name))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(c, name), b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := tc.do(filepath.Join(c, store.LogName)); err != nil {
				t.Fatal(err)
			}
			db, err := store.Open(c)
			if err != nil {
				t.Logf("refused: %v", err)
				return
			}
			defer db.Close()
			if got := reads(t, db); got["T1"] != 1 {
				t.Errorf("%s beside a data file a crash left (its log id still set): opened without error and the acknowledged trade T1 is gone (trades %v); want the start refused, naming %s", tc.name, got, store.LogName)
			}
		})
	}
}
