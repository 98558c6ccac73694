package store_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/store"
)

// TestOpenRefusesLostLogOfUncleanDirectory: a directory left by a crash
// (bbolt still holds the write-ahead log's id: the log has changes bbolt
// lacks) whose log is then missing or emptied (rm alipay-mock.wal, a
// backup or volume copy of alipay-mock.db alone) must not open as if
// nothing were lost: acknowledged changes live only in that log. A
// missing data file beside a used log is refused
// (TestOpenRefusesMissingDataFileOfUsedDirectory); the missing log beside
// an uncleanly closed data file is the same loss, refused too, naming the
// log; a new log of zeros, as the message says, starts without its changes.
func TestOpenRefusesLostLogOfUncleanDirectory(t *testing.T) {
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
			logPath := filepath.Join(c, store.LogName)
			db, err := store.Open(c)
			if err == nil {
				got := reads(t, db)
				db.Close()
				t.Fatalf("%s beside a data file a crash left (its log id still set): opened without error, trades %v (T1 acknowledged); want the start refused, naming %s", tc.name, got, store.LogName)
			}
			remedy := fmt.Sprintf("truncate -s %d %s", 8<<20, store.LogName)
			if !strings.Contains(err.Error(), logPath) || !strings.Contains(err.Error(), remedy) {
				t.Fatalf("error %q: want it to name %s and say what to do (%s)", err, logPath, remedy)
			}
			t.Log(err)
			if fi, err := os.Stat(logPath); tc.name == "log removed" && !os.IsNotExist(err) {
				t.Fatalf("the refused start made a log: %v %v", fi, err)
			}
			if err := os.Truncate(logPath, 8<<20); os.IsNotExist(err) {
				err = os.WriteFile(logPath, make([]byte, 8<<20), 0o600)
			} else if err != nil {
				t.Fatal(err)
			}
			same(t, "with a new log of zeros", stored(t, c), map[string]int{}) // T1 was in the lost log only
		})
	}
}
