package store_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/store"
)

// TestOpenRefusesShortenedLog: the log is filled to its size once and an
// append never changes that size (docs/persistence.md, "The write-ahead
// log"), so a torn append leaves the file as long as it was. A log file
// shorter than that was truncated after the fact (a copy cut short, a full
// volume's restore, a tool), and frames past its new end were acknowledged:
// the start must refuse, as it does for a damaged frame before whole ones,
// not replay what is left and drop the rest without a word. Filled back
// with zeros, as the message says, it replays what is left.
func TestOpenRefusesShortenedLog(t *testing.T) {
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
			if err == nil {
				got := reads(t, db)
				db.Close()
				t.Fatalf("a log cut from %d to %d bytes (%s) opened without error, trades %v (T2 acknowledged); want the start refused, naming %s", full.Size(), cut.at, cut.name, got, store.LogName)
			}
			logPath := filepath.Join(c, store.LogName)
			remedy := fmt.Sprintf("truncate -s %d %s", full.Size(), store.LogName)
			if !strings.Contains(err.Error(), logPath) || !strings.Contains(err.Error(), remedy) {
				t.Fatalf("error %q: want it to name %s and say what to do (%s)", err, logPath, remedy)
			}
			t.Log(err)
			if err := os.Truncate(logPath, full.Size()); err != nil {
				t.Fatal(err)
			}
			same(t, "with the log filled back", stored(t, c), map[string]int{"T1": 1})
		})
	}
}
