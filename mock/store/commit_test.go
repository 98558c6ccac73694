package store_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/store"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

const app = "9021000100000001"

var at = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// version makes state v of a trade: its subject says which.
func version(no string, v int) trade.Trade {
	return trade.Trade{AppID: app, TradeNo: no, OutTradeNo: "o-" + no, Subject: "v" + strconv.Itoa(v),
		Total: amount.MustParse("1.00"), Status: trade.WaitBuyerPay, Created: at}
}

func versionOf(t trade.Trade) int {
	v, _ := strconv.Atoi(strings.TrimPrefix(t.Subject, "v"))
	return v
}

func stored(t *testing.T, dir string) map[string]int {
	t.Helper()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
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

// Changes queued one after another land in that order, inside a batch
// and across batches: the last state queued is the one stored, a delete
// queued between two puts removes only what came before it, and the
// writer shares fsyncs among them.
func TestQueuedChangesLandInOrder(t *testing.T) {
	dir, db := openTemp(t)
	var waits []func() error
	for v := 1; v <= 500; v++ {
		waits = append(waits, db.PutTrades([]trade.Trade{version("T1", v), version(fmt.Sprintf("X%03d", v), v)}))
		if v == 250 {
			if err := db.DeleteTrades(app); err != nil { // waits: later puts queue behind it
				t.Fatal(err)
			}
		}
	}
	db.RemoveTrades([]trade.Trade{version("X500", 0)})
	for _, w := range waits {
		if err := w(); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Sync(); err != nil {
		t.Fatal(err)
	}
	st := db.Stats()
	if st.Changes != 1002 || st.Batches < 2 || st.Batches > 1002 {
		t.Errorf("stats %+v", st)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	got := stored(t, dir)
	if got["T1"] != 500 {
		t.Errorf("T1 at version %d, want the last queued, 500", got["T1"])
	}
	for v := 1; v <= 500; v++ {
		no := fmt.Sprintf("X%03d", v)
		_, ok := got[no]
		if want := v > 250 && v != 500; ok != want {
			t.Errorf("%s stored %v, want %v", no, ok, want)
		}
	}
	// Queued after Close: refused, and said so.
	if err := db.PutTrades([]trade.Trade{version("T2", 1)})(); err == nil || db.Err() == nil {
		t.Errorf("a write after Close: %v, Err %v", err, db.Err())
	}
}

// crashChild is set in the environment of the child process
// TestConcurrentAcknowledgementsSurviveSIGKILL starts: its data directory.
const crashChild = "ALIPAY_MOCK_STORE_CRASH_DIR"

// TestConcurrentAcknowledgementsSurviveSIGKILL runs 16 writers in a child
// process, each printing a line for every write the store acknowledged
// (its wait returned nil): own trades, one trade all of them update under a
// lock (as a book does), and notifications. The child is SIGKILLed while
// they write; reopened, the store holds every acknowledged write, and the
// shared trade at least at its last acknowledged version.
func TestConcurrentAcknowledgementsSurviveSIGKILL(t *testing.T) {
	if dir := os.Getenv(crashChild); dir != "" {
		writeUntilKilled(dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestConcurrentAcknowledgementsSurviveSIGKILL$")
	cmd.Env = append(os.Environ(), crashChild+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stuck := time.AfterFunc(time.Minute, func() { _ = cmd.Process.Kill() }) // never hang the run
	defer stuck.Stop()
	acked := map[string]int{}  // trade → last acknowledged version
	notes := map[string]bool{} // acknowledged notifications
	shared := 0
	lines := bufio.NewScanner(out)
	killed := false
	for lines.Scan() {
		f := strings.Fields(lines.Text())
		if len(f) != 3 {
			continue
		}
		v, _ := strconv.Atoi(f[2])
		switch f[0] {
		case "trade":
			acked[f[1]] = max(acked[f[1]], v)
		case "shared":
			shared = max(shared, v)
		case "notification":
			notes[f[1]] = true
		}
		if !killed && len(acked) >= 1500 {
			// Everything printed before the kill was acknowledged before it;
			// the pipe still holds those lines, read on below.
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	_ = cmd.Wait()
	if !killed {
		t.Fatalf("the child stopped before it was killed, after %d trades", len(acked))
	}
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ts, err := db.Trades()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, tr := range ts {
		got[tr.TradeNo] = versionOf(tr)
	}
	for no, v := range acked {
		if got[no] < v {
			t.Errorf("trade %s: acknowledged version %d, stored %d", no, v, got[no])
		}
	}
	if got["SHARED"] < shared {
		t.Errorf("shared trade: acknowledged version %d, stored %d", shared, got["SHARED"])
	}
	ns, err := db.Notifications()
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, n := range ns {
		have[n.ID] = true
	}
	for id := range notes {
		if !have[id] {
			t.Errorf("acknowledged notification %s lost", id)
		}
	}
	t.Logf("%d trades, %d notifications and version %d of the shared trade acknowledged by 16 writers survived SIGKILL (%d log frames replayed)",
		len(acked), len(notes), shared, store.Replayed(db))
}

// writeUntilKilled is the child: 16 writers until the parent kills it.
func writeUntilKilled(dir string) {
	db, err := store.Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var print sync.Mutex
	say := func(kind, id string, v int) {
		print.Lock()
		fmt.Printf("%s %s %d\n", kind, id, v) // os.Stdout is unbuffered
		print.Unlock()
	}
	var lock sync.Mutex // the "book's" lock around the shared trade
	shared := 0
	for w := range 16 {
		go func() {
			for i := 0; ; i++ {
				no := fmt.Sprintf("W%02d-%06d", w, i)
				// Two versions of the trade, queued one after the other: the
				// second is the one acknowledged.
				db.PutTrades([]trade.Trade{version(no, 1)})
				if db.PutTrades([]trade.Trade{version(no, 2)})() == nil {
					say("trade", no, 2)
				}
				lock.Lock()
				shared++
				v := shared
				wait := db.PutTrades([]trade.Trade{version("SHARED", v)})
				lock.Unlock()
				if wait() == nil {
					say("shared", "SHARED", v)
				}
				id := fmt.Sprintf("ntf_%02d%06d", w, i)
				if db.PutNotification(notify.Notification{ID: id, AppID: app, State: notify.Pending})() == nil {
					say("notification", id, 1)
				}
			}
		}()
	}
	time.Sleep(2 * time.Minute) // killed long before, unless the parent is gone
	os.Exit(3)
}
