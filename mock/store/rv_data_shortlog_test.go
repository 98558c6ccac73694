package store_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/store"
)

// TestRVShortenedLogIsRefused: the log is filled to its size once and an
// append never changes that size (docs/persistence.md, "The write-ahead
// log"), so a torn append leaves the file as long as it was. A log file
// shorter than that was truncated after the fact (a copy cut short, a full
// volume's restore, a tool), and frames past its new end were acknowledged:
// the start must refuse, as it does for a damaged frame before whole ones,
// not replay what is left and drop the rest without a word.
func TestRVShortenedLogIsRefused(t *testing.T) {
	defer store.HoldCheckpoints()()
	dir, db := openTemp(t)
	defer db.Close()
	put(t, db, version("T1", 1))
	start := store.LogEnd(db)
	put(t, db, version("T2", 1)) // acknowledged: its frame is synced
	end := store.LogEnd(db)
	if st := db.Stats(); st.Checkpoints != 0 {
		t.Fatalf("stats %+v: the test needs its changes in the log only", st)
	}
	img := image(t, db, dir)
	full, err := os.Stat(filepath.Join(img, store.LogName))
	if err != nil || full.Size() <= end {
		t.Fatalf("the log as left: %v %v, want it filled past its last frame (%d)", full, err, end)
	}
	for _, cut := range []struct {
		name string
		at   int64
	}{
		{"inside the last frame", (start + end) / 2},
		{"at the end of the first frame", start},
	} {
		t.Run(cut.name, func(t *testing.T) {
			c := t.TempDir()
			for _, name := range []string{store.FileName, store.LogName} {
				b, err := os.ReadFile(filepath.Join(img, name))
				if err != nil {
					t.Fatal(err)
				}
				if name == store.LogName {
					b = b[:cut.at]
				}
				if err := os.WriteFile(filepath.Join(c, name), b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			db, err := store.Open(c)
			if err != nil {
				t.Logf("refused: %v", err)
				return
			}
			defer db.Close()
			if got := reads(t, db); got["T2"] != 1 {
				t.Errorf("a log cut from %d to %d bytes (%s) opened without error and the acknowledged trade T2 is gone (trades %v); want the start refused, naming %s", full.Size(), cut.at, cut.name, got, store.LogName)
			}
		})
	}
}
