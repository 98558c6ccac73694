package store_test

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/store"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// filled makes a data directory holding enough trades to span many pages,
// some with values larger than a page.
func filled(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ts []trade.Trade
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 400 {
		ts = append(ts, trade.Trade{AppID: "9021000100000001", TradeNo: fmt.Sprintf("2026010122%018d", i),
			OutTradeNo: fmt.Sprintf("order-%d", i), Subject: strings.Repeat("s", 1+i*37%9000),
			Total: amount.MustParse("1.00"), Status: trade.WaitBuyerPay, Created: at})
	}
	if err := db.PutTrades(ts)(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A data file emptied (0 bytes: cut by a file system after a crash, or a
// mistaken "> alipay-mock.db") beside the write-ahead log a start wrote is
// refused like a truncated one, and left as it is: bbolt would lay out a
// new store in it, and every trade would be gone without a word. An empty
// file with no log (a first start that died before bbolt wrote it) is a
// new directory still.
func TestOpenRefusesEmptiedDataFileOfUsedDirectory(t *testing.T) {
	dir := filled(t) // 400 trades, cleanly closed
	path := filepath.Join(dir, store.FileName)
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dir)
	if err == nil {
		ts, _ := db.Trades()
		db.Close()
		t.Fatalf("an emptied data file beside a used log opened as a new directory (%d trades, boot %d): 400 trades lost without an error", len(ts), db.Boots())
	}
	if !errors.Is(err, store.ErrUnreadable) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), store.LogName) {
		t.Errorf("error: %v", err)
	}
	t.Log(err)
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Errorf("the refused file was changed: %v, %v", fi, err)
	}

	fresh := t.TempDir()
	if err := os.WriteFile(filepath.Join(fresh, store.FileName), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(fresh)
	if err != nil {
		t.Fatalf("an empty data file with no log: %v", err)
	}
	defer db.Close()
	if db.Boots() != 1 {
		t.Errorf("boot %d, want 1", db.Boots())
	}
}

// A damaged or foreign data file is refused with one clear error, never a
// panic or a fault.
func TestOpenRefusesUnreadableFiles(t *testing.T) {
	const page = 4096
	damage := []struct {
		name string
		do   func(t *testing.T, path string)
	}{
		{"truncated to a third", func(t *testing.T, path string) {
			fi, _ := os.Stat(path)
			if err := os.Truncate(path, fi.Size()/3); err != nil {
				t.Fatal(err)
			}
		}},
		{"truncated to its meta pages", func(t *testing.T, path string) {
			if err := os.Truncate(path, 2*page+100); err != nil {
				t.Fatal(err)
			}
		}},
		{"garbage pages after the meta pages", func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fi, _ := f.Stat()
			junk := make([]byte, fi.Size()-2*page)
			rand.New(rand.NewSource(1)).Read(junk)
			if _, err := f.WriteAt(junk, 2*page); err != nil {
				t.Fatal(err)
			}
		}},
		{"garbage meta pages", func(t *testing.T, path string) {
			junk := make([]byte, 2*page)
			rand.New(rand.NewSource(2)).Read(junk)
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt(junk, 0); err != nil {
				t.Fatal(err)
			}
		}},
		{"a text file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte(strings.Repeat("not a database\n", 1000)), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"another program's bbolt file", func(t *testing.T, path string) {
			os.Remove(path)
			b, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			_ = b.Update(func(tx *bolt.Tx) error {
				bk, _ := tx.CreateBucket([]byte("sessions"))
				return bk.Put([]byte("k"), []byte("v"))
			})
			b.Close()
		}},
	}
	for _, d := range damage {
		t.Run(d.name, func(t *testing.T) {
			dir := filled(t)
			path := filepath.Join(dir, store.FileName)
			d.do(t, path)
			db, err := store.Open(dir)
			if err == nil {
				db.Close()
				t.Fatal("opened")
			}
			if !errors.Is(err, store.ErrUnreadable) || !strings.Contains(err.Error(), path) ||
				!strings.Contains(err.Error(), "another --data directory") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error: %v", err)
			}
			t.Log(err)
		})
	}
	// The undamaged file opens, and counts the start.
	db, err := store.Open(filled(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if ts, err := db.Trades(); err != nil || len(ts) != 400 || db.Boots() != 2 {
		t.Errorf("%d trades, %d boots, %v", len(ts), db.Boots(), err)
	}
}

// A data directory written by an older build holds replaced sign-in pairs:
// the first start deletes them in one commit, not one fsync each under the
// book's lock (2,000 pairs took 4,000 batches), and keeps the live ones.
func TestRestoreDeletesReplacedSignInPairsInOneCommit(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	const n = 2000
	for i := range n {
		if err := db.PutUserToken(userauth.Token{AccessToken: fmt.Sprintf("a%d", i), RefreshToken: fmt.Sprintf("r%d", i),
			AppID: "2021000000000001", AuthStart: now.Add(time.Duration(i)), Expires: now.Add(time.Hour),
			RefreshExpires: now.Add(time.Hour), Replaced: i%4 != 0}); err != nil {
			t.Fatal(err)
		}
	}
	codes, toks, err := db.UserAuth()
	if err != nil || len(toks) != n {
		t.Fatal(len(toks), err)
	}
	b := userauth.NewBook(clock.NewManual(now))
	b.Persist(db)
	before := db.Stats().Batches
	b.Restore(codes, toks)
	if batches := db.Stats().Batches - before; batches > 2 {
		t.Errorf("Restore wrote %d batches for %d replaced pairs, want one commit", batches, n*3/4)
	}
	if _, toks, err = db.UserAuth(); err != nil || len(toks) != n/4 {
		t.Fatalf("%d pairs stored after Restore (%v), want the %d live ones", len(toks), err, n/4)
	}
	if _, _, kept := b.Len(); kept != n/4 {
		t.Fatalf("the book kept %d, want %d", kept, n/4)
	}
}
