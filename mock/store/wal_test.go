package store_test

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/store"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// image copies a data directory as a crash would leave it: the writer is
// held, so every acknowledged change is in the files and none is half
// written.
func image(t *testing.T, db *store.DB, dir string) string {
	t.Helper()
	resume := db.Pause()
	defer resume()
	out := t.TempDir()
	for _, name := range []string{store.FileName, store.LogName} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func put(t *testing.T, db *store.DB, ts ...trade.Trade) {
	t.Helper()
	if err := db.PutTrades(ts)(); err != nil {
		t.Fatal(err)
	}
}

func drop(t *testing.T, db *store.DB, nos ...string) {
	t.Helper()
	var ts []trade.Trade
	for _, no := range nos {
		ts = append(ts, version(no, 0))
	}
	if err := db.RemoveTrades(ts); err != nil {
		t.Fatal(err)
	}
	if err := db.Sync(); err != nil {
		t.Fatal(err)
	}
}

func reads(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	ts, err := db.Trades()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, tr := range ts {
		out[tr.TradeNo] = versionOf(tr)
	}
	return out
}

func same(t *testing.T, what string, got, want map[string]int) {
	t.Helper()
	if !maps.Equal(got, want) {
		t.Errorf("%s: trades %v, want %v", what, got, want)
	}
}

// Four batches in the log, none checkpointed; the last one's frame
// damaged as a crash or a bad disk could leave it. Reopened, the first
// three are replayed and nothing of the last: a frame applies whole or
// not at all. Damage that no torn append explains (before whole frames,
// a log shorter than it was filled to) is refused, and the message's
// remedy starts with exactly what it says it keeps.
func TestLogReplaysUpToADamagedFrame(t *testing.T) {
	defer store.HoldCheckpoints()()
	dir, db := openTemp(t)
	defer db.Close()
	put(t, db, version("T1", 1), version("T2", 1))
	put(t, db, version("T1", 2))
	second := store.LogEnd(db)
	drop(t, db, "T2")
	start := store.LogEnd(db)
	put(t, db, version("T3", 1), version("T1", 3))
	end := store.LogEnd(db)
	if st := db.Stats(); st.Checkpoints != 0 || start >= end {
		t.Fatalf("stats %+v, last frame at %d-%d: the test needs its changes in the log only", st, start, end)
	}
	all := map[string]int{"T1": 3, "T3": 1}
	same(t, "before the crash", reads(t, db), all)
	upToThird := map[string]int{"T1": 2}

	damage := []struct {
		name string
		do   func(b []byte) []byte
		want map[string]int // nil: refused
		// When refused: where the message says to cut the log (-1: it is
		// only to be filled back), and what the start then holds.
		cut      int64
		remedied map[string]int
	}{
		{name: "intact", do: func(b []byte) []byte { return b }, want: all},
		{name: "garbage after the last frame", do: func(b []byte) []byte { copy(b[end:], "\x4c\x57\x4d\x41garbage that is no frame"); return b }, want: all},
		{name: "torn: its second half never written", do: func(b []byte) []byte { clear(b[(start+end)/2 : end]); return b }, want: upToThird},
		{name: "one bit flipped in its payload", do: func(b []byte) []byte { b[end-3] ^= 0x10; return b }, want: upToThird},
		{name: "one bit flipped in its header", do: func(b []byte) []byte { b[start+20] ^= 0x01; return b }, want: upToThird},
		{name: "a length past the end of the file", do: func(b []byte) []byte { binary.LittleEndian.PutUint32(b[start+4:], 1<<30); return b }, want: upToThird},
		{name: "a length inside the file but wrong", do: func(b []byte) []byte { binary.LittleEndian.PutUint32(b[start+4:], uint32(end-start)); return b }, want: upToThird},
		// An append never changes the file's size: a shorter log was
		// cut after the fact, and what was cut may have been acknowledged.
		{name: "the log cut short inside it", do: func(b []byte) []byte { return b[:end-5] }, cut: -1, remedied: upToThird},
		// Damage before frames that are whole is no torn end: those
		// frames were acknowledged, so the directory is refused.
		{name: "the first frame damaged, the others whole", do: func(b []byte) []byte { b[30] ^= 0xff; return b }, cut: 0, remedied: map[string]int{}},
		{name: "the third frame damaged, the fourth whole", do: func(b []byte) []byte { b[start-3] ^= 0x10; return b }, cut: second, remedied: map[string]int{"T1": 2, "T2": 1}},
	}
	img := image(t, db, dir)
	fi, err := os.Stat(filepath.Join(img, store.LogName))
	if err != nil {
		t.Fatal(err)
	}
	full := fi.Size()
	for _, d := range damage {
		t.Run(d.name, func(t *testing.T) {
			c := t.TempDir()
			for _, name := range []string{store.FileName, store.LogName} {
				b, err := os.ReadFile(filepath.Join(img, name))
				if err != nil {
					t.Fatal(err)
				}
				if name == store.LogName {
					b = d.do(b)
				}
				if err := os.WriteFile(filepath.Join(c, name), b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if d.want != nil {
				same(t, "reopened", stored(t, c), d.want)
				same(t, "reopened again", stored(t, c), d.want) // the replay was checkpointed, the log not read twice
				return
			}
			db, err := store.Open(c)
			if err == nil {
				db.Close()
				t.Fatal("opened a log damaged before whole frames, or cut short")
			}
			remedy := fmt.Sprintf("truncate -s %d %s", full, store.LogName)
			if d.cut >= 0 {
				remedy = fmt.Sprintf("truncate -s %d %s && %s", d.cut, store.LogName, remedy)
			}
			if !strings.Contains(err.Error(), remedy) {
				t.Fatalf("error %q does not say what to do (%s)", err, remedy)
			}
			logPath := filepath.Join(c, store.LogName)
			if d.cut >= 0 {
				if err := os.Truncate(logPath, d.cut); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Truncate(logPath, full); err != nil {
				t.Fatal(err)
			}
			same(t, "with the log cut and filled back as told", stored(t, c), d.remedied)
		})
	}
}

// Frames left in the reused log from before a checkpoint are never
// replayed: neither after a whole-bucket change wrote bbolt directly, nor
// when a new frame ends exactly where an old one did, so that the next
// old frame has the right place and sequence number and only its log id
// tells it apart.
func TestStaleLogFramesAreNeverReplayed(t *testing.T) {
	defer store.HoldCheckpoints()()

	t.Run("after a reset", func(t *testing.T) {
		dir, db := openTemp(t)
		defer db.Close()
		for _, no := range []string{"X1", "X2", "X3"} {
			put(t, db, version(no, 1))
		}
		if err := db.DeleteTrades(app); err != nil {
			t.Fatal(err)
		}
		if store.LogEnd(db) != 0 {
			t.Fatal("a whole-bucket change should start the log again")
		}
		same(t, "after the reset", reads(t, db), map[string]int{})
		same(t, "crash image", stored(t, image(t, db, dir)), map[string]int{})
	})

	t.Run("a new frame as long as an old one", func(t *testing.T) {
		dir, db := openTemp(t)
		defer db.Close()
		put(t, db, version("X1", 1))
		first := store.LogEnd(db)
		put(t, db, version("X2", 1))
		if err := store.Checkpoint(db); err != nil {
			t.Fatal(err)
		}
		put(t, db, version("X2", 2)) // same length as X1 v1's frame
		if got := store.LogEnd(db); got != first {
			t.Fatalf("the new frame ends at %d, the old first at %d: the test needs them equal", got, first)
		}
		same(t, "crash image", stored(t, image(t, db, dir)), map[string]int{"X1": 1, "X2": 2})
	})
}

// A crash after a checkpoint wrote the log's changes into bbolt but before
// the log was started again: replaying the same frames onto a store that
// has them already gives the same state (every record is the last state of
// its key, deletes included).
func TestReplayAfterACheckpointIsIdempotent(t *testing.T) {
	defer store.HoldCheckpoints()()
	dir, db := openTemp(t)
	put(t, db, version("T1", 1), version("T2", 1), version("T4", 1))
	put(t, db, version("T1", 2))
	drop(t, db, "T2")
	put(t, db, version("T3", 1), version("T2", 5))
	drop(t, db, "T4", "T2")
	want := map[string]int{"T1": 2, "T3": 1}
	crash := image(t, db, dir)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	logID := func(dir string) []byte {
		b, err := bolt.Open(filepath.Join(dir, store.FileName), 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		var id []byte
		_ = b.View(func(tx *bolt.Tx) error {
			id = append(id, tx.Bucket([]byte("wal")).Get([]byte("id"))...)
			return nil
		})
		return id
	}
	old := logID(crash)

	// The crash image replayed and checkpointed by Open...
	after := t.TempDir()
	for _, name := range []string{store.FileName, store.LogName} {
		b, _ := os.ReadFile(filepath.Join(crash, name))
		if err := os.WriteFile(filepath.Join(after, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	same(t, "replayed", stored(t, after), want)
	// ...then its bbolt file with the log's old id put back, and the old
	// log: the frames count as current again, on a store that has them.
	b, err := bolt.Open(filepath.Join(after, store.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists([]byte("wal")) // a clean Close removed it
		if err != nil {
			return err
		}
		return bk.Put([]byte("id"), old)
	}); err != nil {
		t.Fatal(err)
	}
	b.Close()
	log, _ := os.ReadFile(filepath.Join(crash, store.LogName))
	if err := os.WriteFile(filepath.Join(after, store.LogName), log, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(after)
	if err != nil {
		t.Fatal(err)
	}
	if n := store.Replayed(db); n != 5 {
		t.Errorf("replayed %d frames, want the 5 of the log again", n)
	}
	same(t, "replayed twice", reads(t, db), want)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// Reads see what the log holds and bbolt does not yet: puts over stored
// records, deletes of stored records, new records, the clock, in bbolt's
// key order; and the same after the checkpoint.
func TestReadsSeeChangesNotYetCheckpointed(t *testing.T) {
	defer store.HoldCheckpoints()()
	dir, db := openTemp(t)
	put(t, db, version("T1", 1), version("T2", 1), version("T3", 1), version("T5", 1))
	if err := db.Close(); err != nil { // checkpoints: these are in bbolt
		t.Fatal(err)
	}
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	put(t, db, version("T1", 2), version("T0", 1), version("T4", 1), version("T9", 1))
	drop(t, db, "T2", "T9", "T5")
	snap := clock.Snapshot{Base: at.Add(90 * time.Minute), Speed: 1}
	if err := db.PutClock(snap); err != nil {
		t.Fatal(err)
	}
	if st := db.Stats(); st.Checkpoints != 0 {
		t.Fatalf("stats %+v: the test needs its changes in the log only", st)
	}
	want := map[string]int{"T0": 1, "T1": 2, "T3": 1, "T4": 1}
	for _, when := range []string{"before the checkpoint", "after it"} {
		ts, err := db.Trades()
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		got := map[string]int{}
		for _, tr := range ts {
			order = append(order, tr.TradeNo)
			got[tr.TradeNo] = versionOf(tr)
		}
		same(t, when, got, want)
		if len(order) != 4 || order[0] != "T0" || order[1] != "T1" || order[2] != "T3" || order[3] != "T4" {
			t.Errorf("%s: order %v, want key order", when, order)
		}
		s, ok, err := db.Clock()
		if err != nil || !ok || !s.Base.Equal(snap.Base) {
			t.Errorf("%s: clock %+v %v %v, want %v", when, s, ok, err, snap.Base)
		}
		if when == "before the checkpoint" {
			if err := store.Checkpoint(db); err != nil {
				t.Fatal(err)
			}
		}
	}
	if st := db.Stats(); st.Checkpoints != 1 {
		t.Errorf("stats %+v, want one checkpoint", st)
	}
}

// A data directory written before the log (a bbolt file alone, no log and
// no log id) loads unchanged, and takes new changes.
func TestPreviousFormatDataDirLoads(t *testing.T) {
	dir := t.TempDir()
	b, err := bolt.Open(filepath.Join(dir, store.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	snap := clock.Snapshot{Base: at.Add(time.Hour), Speed: 1}
	err = b.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"apps", "trades", "red_packets", "notifications", "meta", "app_auth",
			"royalty_relations", "transfers", "fund_accounts", "user_auth"} {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		for _, tr := range []trade.Trade{version("OLD1", 3), version("OLD2", 7)} {
			v, err := trade.Marshal(tr)
			if err != nil {
				return err
			}
			if err := tx.Bucket([]byte("trades")).Put([]byte(app+"/"+tr.TradeNo), v); err != nil {
				return err
			}
		}
		c, _ := json.Marshal(snap)
		m := tx.Bucket([]byte("meta"))
		if err := m.Put([]byte("clock"), c); err != nil {
			return err
		}
		return m.Put([]byte("boots"), binary.BigEndian.AppendUint64(nil, 4))
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()

	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if db.Boots() != 5 {
		t.Errorf("boots %d, want 5", db.Boots())
	}
	same(t, "loaded", reads(t, db), map[string]int{"OLD1": 3, "OLD2": 7})
	if s, ok, err := db.Clock(); err != nil || !ok || !s.Base.Equal(snap.Base) {
		t.Errorf("clock %+v %v %v", s, ok, err)
	}
	put(t, db, version("NEW", 1))
	crash := image(t, db, dir)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"OLD1": 3, "OLD2": 7, "NEW": 1}
	same(t, "closed and reopened", stored(t, dir), want)
	same(t, "crash image", stored(t, crash), want)
}

// A log append that fails (a full disk) fails its batch: its callers get
// the error and Err reports it. Nothing of it is kept, even with half its
// frame written; the next batch is stored (through a checkpoint that
// starts the log again).
func TestFailedLogAppendFailsItsBatch(t *testing.T) {
	defer store.HoldCheckpoints()()
	dir, db := openTemp(t)
	defer db.Close()
	put(t, db, version("T1", 1))
	store.FailNextAppend(db)
	if err := db.PutTrades([]trade.Trade{version("T1", 2), version("LOST", 1)})(); !errors.Is(err, store.ErrDiskFull) {
		t.Fatalf("a failed append answered %v", err)
	}
	if !errors.Is(db.Err(), store.ErrDiskFull) {
		t.Errorf("Err %v", db.Err())
	}
	put(t, db, version("T2", 1))
	if st := db.Stats(); st.Checkpoints != 1 {
		t.Errorf("stats %+v: the batch after a failed append goes to bbolt with a checkpoint", st)
	}
	put(t, db, version("T3", 1)) // and the log is used again
	if store.LogEnd(db) == 0 {
		t.Error("the log is not used after the failure")
	}
	want := map[string]int{"T1": 1, "T2": 1, "T3": 1}
	same(t, "read", reads(t, db), want)
	same(t, "crash image", stored(t, image(t, db, dir)), want)
}

// A frame written whole whose fdatasync failed was answered with an
// error: it is never replayed, whether the mock then closes cleanly with
// nothing else pending or keeps running (a failure makes a checkpoint due,
// which starts a new log id).
func TestFailedSyncIsNeverReplayed(t *testing.T) {
	defer store.HoldCheckpoints()()
	for _, closeAt := range []string{"clean close", "crash after the next checkpoint", "crash at once"} {
		t.Run(closeAt, func(t *testing.T) {
			dir, db := openTemp(t)
			put(t, db, version("T1", 1))
			store.FailNextSync(db)
			if err := db.PutTrades([]trade.Trade{version("FAILED", 1)})(); !errors.Is(err, store.ErrDiskFull) {
				t.Fatalf("a failed sync answered %v", err)
			}
			want := map[string]int{"T1": 1}
			if closeAt == "clean close" {
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
				same(t, "reopened", stored(t, dir), want)
				return
			}
			defer db.Close()
			if closeAt == "crash at once" { // the writer checkpoints right after a failed batch
				same(t, "crash image", stored(t, image(t, db, dir)), want)
				return
			}
			if err := store.Checkpoint(db); err != nil { // what the writer's ticker does
				t.Fatal(err)
			}
			same(t, "crash image", stored(t, image(t, db, dir)), want)
		})
	}
}

// While frames may be current (the mock runs, or crashed) the data file
// holds a bucket binaries from before the log do not know, so they refuse
// it (store.go's walk, since cd7cf0f) instead of opening it without the
// log's changes; a cleanly closed file holds only the buckets they know.
func TestOnlyACleanlyClosedFileIsPlainBbolt(t *testing.T) {
	buckets := func(dir string) []string {
		b, err := bolt.Open(filepath.Join(dir, store.FileName), 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		var out []string
		_ = b.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(name []byte, _ *bolt.Bucket) error { out = append(out, string(name)); return nil })
		})
		return out
	}
	dir, db := openTemp(t)
	put(t, db, version("T1", 1))
	if got := buckets(image(t, db, dir)); !slices.Contains(got, "wal") {
		t.Errorf("a running mock's file holds %v, no log id", got)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if got := buckets(dir); slices.Contains(got, "wal") {
		t.Errorf("a cleanly closed file holds %v", got)
	}
	same(t, "reopened", stored(t, dir), map[string]int{"T1": 1})
}

// The log never grows past the size it was filled to: checkpoints come
// after enough changes (and about once a second), and a batch too large
// for the log goes to bbolt with a checkpoint; nothing is lost either way.
func TestLogStaysBounded(t *testing.T) {
	dir, db := openTemp(t)
	defer db.Close()
	size := func() int64 {
		fi, err := os.Stat(filepath.Join(dir, store.LogName))
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	filled := size()
	if filled < 1<<20 {
		t.Fatalf("log of %d bytes: it is filled once at Open", filled)
	}
	want := map[string]int{}
	for b := range 400 {
		var ts []trade.Trade
		for i := range 64 {
			no := "B" + strconv.Itoa(b*64+i)
			ts = append(ts, version(no, 1))
			want[no] = 1
		}
		put(t, db, ts...)
	}
	if st := db.Stats(); st.Checkpoints < 2 {
		t.Errorf("stats %+v: 25,600 changes should have made at least 2 checkpoints", st)
	}
	// One batch larger than the whole log.
	before := db.Stats().Checkpoints
	var big []trade.Trade
	for i := range 40 {
		tr := version("BIG"+strconv.Itoa(i), 2)
		tr.Body = strings.Repeat("b", 256<<10)
		big = append(big, tr)
		want[tr.TradeNo] = 2
	}
	put(t, db, big...)
	// At least one: the quiet log's own checkpoint (a second after a
	// change) may come too on a slow machine.
	if st := db.Stats(); st.Checkpoints < before+1 || store.LogEnd(db) != 0 {
		t.Errorf("stats %+v, log end %d: a batch too large for the log is written with a checkpoint", st, store.LogEnd(db))
	}
	if got := size(); got != filled {
		t.Errorf("the log grew from %d to %d bytes", filled, got)
	}
	same(t, "crash image", stored(t, image(t, db, dir)), want)
}

// A change with nothing after it does not wait in the log for the next
// one: a checkpoint comes about a second later.
func TestQuietLogIsCheckpointed(t *testing.T) {
	_, db := openTemp(t)
	defer db.Close()
	put(t, db, version("T1", 1))
	for deadline := time.Now().Add(30 * time.Second); db.Stats().Checkpoints == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint 30 s after the last change")
		}
		time.Sleep(50 * time.Millisecond) // polling the writer's count, not timing it
	}
	if store.LogEnd(db) != 0 {
		t.Error("the log does not start again after the checkpoint")
	}
}

// openTemp opens a data directory of the test's own.
func openTemp(t *testing.T) (string, *store.DB) {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, db
}
