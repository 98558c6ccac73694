// Package store keeps the mock's state on disk when --data is given: apps,
// trades with their refunds, red packets, notifications with their
// attempts, and the clock, in one bbolt file with a write-ahead log in
// front of it. Changes are written in batches, one log append (one commit
// to disk) for everything queued while the previous batch was written
// (commit.go), and moved into bbolt by checkpoints (wal.go). A change is
// acknowledged only once its batch is on disk, so killing the mock loses
// nothing it answered for.
package store

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/alipay-mock/alipay-mock/mock/appauth"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/privdir"
	"github.com/alipay-mock/alipay-mock/mock/royalty"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// FileName is the database file inside the data directory.
const FileName = "alipay-mock.db"

var (
	bucketApps          = []byte("apps")
	bucketTrades        = []byte("trades")
	bucketRedPackets    = []byte("red_packets")
	bucketNotifications = []byte("notifications")
	bucketMeta          = []byte("meta")
	bucketAppAuth       = []byte("app_auth")
	bucketRoyalty       = []byte("royalty_relations")
	bucketTransfers     = []byte("transfers")
	bucketFundAccounts  = []byte("fund_accounts")
	bucketUserAuth      = []byte("user_auth")
	bucketJobs          = []byte("jobs")
	bucketPolicies      = []byte("notify_policies")
	bucketQueryPays     = []byte("query_pays")
	bucketScenarios     = []byte("scenarios")
	allBuckets          = [][]byte{bucketApps, bucketTrades, bucketRedPackets, bucketNotifications, bucketMeta, bucketAppAuth, bucketRoyalty,
		bucketTransfers, bucketFundAccounts, bucketUserAuth, bucketJobs, bucketPolicies, bucketQueryPays, bucketScenarios}

	keyClock = []byte("clock")
	keyBoots = []byte("boots")
	// the number of the last notification id handed out, kept by a clear
	keyLastNotification = []byte("notification_id_last")
)

// DB is an open data directory.
type DB struct {
	bolt  *bolt.DB
	boots uint64

	c        *committer // the queue every change goes through (commit.go)
	log      *wal       // the write-ahead log (wal.go), the writer's
	pend     pending    // the log's changes bbolt does not have yet
	replayed int        // log frames replayed at Open

	mu      sync.Mutex
	lastErr error
	onErr   func(error)
}

// OnError registers a function told about every failed write (the owners
// of the data answer what they can; the mock logs it).
func (db *DB) OnError(f func(error)) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.onErr = f
}

// Err is the last failed write, if any: the health check reports it.
func (db *DB) Err() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.lastErr
}

// failed records a failed write and passes err on.
func (db *DB) failed(err error) error {
	if err == nil {
		return nil
	}
	err = fmt.Errorf("store: %w", err)
	db.mu.Lock()
	db.lastErr = err
	f := db.onErr
	db.mu.Unlock()
	if f != nil {
		f(err)
	}
	return err
}

// ErrUnreadable is the error of a data file that is not a sound
// alipay-mock store: truncated, damaged, or another program's file.
var ErrUnreadable = errors.New("not a readable alipay-mock data file")

// Open opens (or creates) the store in dir and counts this start. Every
// page is read once before anything is trusted, so a damaged file is
// refused with ErrUnreadable instead of failing later.
func Open(dir string) (*DB, error) {
	if err := privdir.Private(dir, "store: --data directory", FileName, LogName); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, FileName)
	if err := usedButEmpty(dir, path); err != nil {
		return nil, err
	}
	b, err := openChecked(path)
	if err != nil {
		return nil, err
	}
	db := &DB{bolt: b}
	// Replays the log and counts this start in one transaction.
	err = db.openLog(dir, func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		m := tx.Bucket(bucketMeta)
		if v := m.Get(keyBoots); len(v) == 8 {
			db.boots = binary.BigEndian.Uint64(v)
		}
		db.boots++
		return m.Put(keyBoots, binary.BigEndian.AppendUint64(nil, db.boots))
	})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	db.startCommitter()
	return db, nil
}

// usedButEmpty refuses an empty or missing data file beside a log that is
// not empty: bbolt would make a new store, and everything the directory held
// would be gone without a word. The log is made after bbolt's file is laid
// out, so a log with bytes in it means a start got that far.
func usedButEmpty(dir, path string) error {
	fi, err := os.Stat(path)
	missing := errors.Is(err, fs.ErrNotExist)
	if (err != nil && !missing) || (err == nil && fi.Size() > 0) {
		return nil // for openChecked to judge
	}
	logPath := filepath.Join(dir, LogName)
	if li, err := os.Stat(logPath); err != nil || li.Size() == 0 {
		return nil // a new directory
	}
	if missing {
		return fmt.Errorf("store: %s is missing, but the write-ahead log %s beside it shows the directory held a store: "+
			"put the data file back, or move the log away to start a new, empty store", path, logPath)
	}
	return unreadable(path, "it is empty, but the write-ahead log "+LogName+" beside it shows the directory held a store")
}

// openChecked opens the bbolt file and reads all of it. bbolt panics, or
// faults on its memory map, on some damaged files (a truncated file, a
// garbage freelist); both become ErrUnreadable here.
func openChecked(path string) (b *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil {
			// A panic inside bbolt's Open leaves its file handle behind; the
			// caller is about to give up (the binary exits), so it is not reused.
			b, err = nil, unreadable(path, fmt.Sprint(v))
		}
	}()
	b, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	switch {
	case errors.Is(err, bolt.ErrTimeout):
		return nil, fmt.Errorf("store: %s is in use by another alipay-mock", path)
	case errors.Is(err, fs.ErrPermission), errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("store: %w", err)
	case err != nil:
		return nil, unreadable(path, err.Error())
	}
	if err := b.View(walk); err != nil {
		b.Close()
		return nil, unreadable(path, err.Error())
	}
	return b, nil
}

// walk reads every key and value, and refuses a file holding buckets that
// are not the mock's (another program's bbolt file).
func walk(tx *bolt.Tx) error {
	ours := map[string]bool{string(bucketLog): true}
	for _, n := range allBuckets {
		ours[string(n)] = true
	}
	var visit func(*bolt.Bucket) error
	visit = func(bk *bolt.Bucket) error {
		return bk.ForEach(func(k, v []byte) error {
			if v == nil {
				if nb := bk.Bucket(k); nb != nil {
					return visit(nb)
				}
			}
			for i := 0; i < len(v); i += 4096 {
				_ = v[i] // touch every page of a large value: a truncated file faults here
			}
			return nil
		})
	}
	return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
		if !ours[string(name)] {
			return fmt.Errorf("it holds a bucket %q that alipay-mock does not write", name)
		}
		return visit(bk)
	})
}

func unreadable(path, why string) error {
	return fmt.Errorf("store: %s: %w (%s): move it away, or start with another --data directory", path, ErrUnreadable, why)
}

// Close writes what is queued, checkpoints the log and closes the files.
func (db *DB) Close() error {
	db.closeCommitter()
	err := db.log.f.Close()
	if errors.Is(err, os.ErrClosed) {
		err = nil // closed before
	}
	return errors.Join(db.bolt.Close(), err)
}

// Boots is how many times the store was opened, this time included.
func (db *DB) Boots() uint64 { return db.boots }

func id(app, key string) []byte { return []byte(app + "/" + key) }

// put writes values and waits until they are on disk.
func (db *DB) put(bucket []byte, kv map[string][]byte) error {
	ops := make([]op, 0, len(kv))
	for k, v := range kv {
		ops = append(ops, op{bucket: bucket, key: k, enc: func() ([]byte, error) { return v, nil }})
	}
	return db.queue(ops...)()
}

// deleteApp deletes the keys of one app ("app/…"), or every key, and
// waits until that is on disk.
func (db *DB) deleteApp(bucket []byte, app string) error {
	return db.queue(deletePrefix(bucket, app+"/", app == ""))()
}

// deletePrefix is the change that deletes a bucket's keys starting with
// prefix, or (all) every key.
func deletePrefix(bucket []byte, prefix string, all bool) op {
	return op{fn: func(tx *bolt.Tx) error {
		if all {
			if err := tx.DeleteBucket(bucket); err != nil {
				return err
			}
			_, err := tx.CreateBucket(bucket)
			return err
		}
		c := tx.Bucket(bucket).Cursor()
		p := []byte(prefix)
		for k, _ := c.Seek(p); k != nil && strings.HasPrefix(string(k), prefix); k, _ = c.Seek(p) {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	}}
}

// remove queues the deletion of keys: written with the next batch, which
// whoever acknowledges a change waits for. Failures are reported by the
// writer (OnError, Err).
func (db *DB) remove(bucket []byte, keys [][]byte) {
	if len(keys) == 0 {
		return
	}
	ops := make([]op, len(keys))
	for i, k := range keys {
		ops[i] = op{bucket: bucket, key: string(k)}
	}
	db.queue(ops...)
}

// each reads a bucket in key order: bbolt's keys merged with the log's
// changes it does not have yet (wal.go), which win.
func (db *DB) each(bucket []byte, f func(k, v []byte) error) error {
	db.pend.mu.RLock() // a checkpoint does not empty it while bbolt is read
	defer db.pend.mu.RUnlock()
	ch := db.pend.m[string(bucket)]
	keys := make([]string, 0, len(ch))
	for k := range ch {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		k, v := c.First()
		for k != nil || len(keys) > 0 {
			if len(keys) > 0 && (k == nil || keys[0] <= string(k)) {
				r := ch[keys[0]]
				if k != nil && keys[0] == string(k) {
					k, v = c.Next()
				}
				keys = keys[1:]
				if r.gone {
					continue
				}
				if err := f([]byte(r.key), r.value); err != nil {
					return err
				}
				continue
			}
			if err := f(k, v); err != nil {
				return err
			}
			k, v = c.Next()
		}
		return nil
	})
}

// PutTrades queues trades to be stored, encoded by the writer, and
// returns a wait for them to be on disk (trade.Store).
//
// Each untold event is marked in the same batch (a key of the meta
// bucket, which earlier versions ignore): the trade and the mark land
// together, and the notification's write removes the mark
// (PutNotification), so a crash between the two leaves the mark and the
// start makes the notification (Untold).
func (db *DB) PutTrades(ts []trade.Trade, untold ...trade.Untold) func() error {
	ops := make([]op, len(ts), len(ts)+len(untold))
	for i, t := range ts {
		ops[i] = op{bucket: bucketTrades, key: string(id(t.AppID, t.TradeNo)),
			enc: func() ([]byte, error) { return trade.Marshal(t) }}
	}
	for _, u := range untold {
		ops = append(ops, mark(untoldPrefix, u.AppID, u.TradeNo, u.Event))
	}
	return db.queue(ops...)
}

// mark is the change that marks an event untold.
func mark(prefix, app, no string, event int) op {
	return op{bucket: bucketMeta, key: untoldKey(prefix, app, no, event), enc: func() ([]byte, error) { return []byte{1}, nil }}
}

// The meta keys of untold events: untold/app/trade_no/index for a
// trade's, untold_red_packet/app/auth_no/index for a red packet's,
// untold_transfer/app/out_biz_no/index for a transfer's status
// (fund.StatusEvent).
const (
	untoldPrefix         = "untold/"
	untoldPacketPrefix   = "untold_red_packet/"
	untoldTransferPrefix = "untold_transfer/"
)

// markPrefix is the key prefix of each kind of mark.
var markPrefix = map[notify.MarkKind]string{notify.MarkTrade: untoldPrefix, notify.MarkRedPacket: untoldPacketPrefix,
	notify.MarkTransfer: untoldTransferPrefix}

func untoldKey(prefix, app, no string, event int) string {
	return prefix + app + "/" + no + "/" + strconv.Itoa(event)
}

// Marks are the events marked untold, by kind.
type Marks struct {
	Trades     []trade.Untold
	RedPackets []coupon.Untold
	Transfers  []fund.Untold
}

// Len is how many marks there are.
func (m Marks) Len() int { return len(m.Trades) + len(m.RedPackets) + len(m.Transfers) }

// Untold loads the events marked untold: stored trades, red packets and
// transfers whose notification (message) was not stored with them (a
// crash in between), sorted by app, number and event index, so each
// one's come in the order they happened (the keys sort "/10" before
// "/9").
func (db *DB) Untold() (Marks, error) {
	var m Marks
	err := db.each(bucketMeta, func(k, _ []byte) error {
		var prefix, rest string
		for _, p := range []string{untoldPrefix, untoldPacketPrefix, untoldTransferPrefix} {
			if r, ok := strings.CutPrefix(string(k), p); ok {
				prefix, rest = p, r
				break
			}
		}
		if prefix == "" {
			return nil
		}
		i := strings.LastIndexByte(rest, '/')
		j := strings.IndexByte(rest, '/')
		if i <= j {
			return nil // not a key this version writes
		}
		n, err := strconv.Atoi(rest[i+1:])
		if err != nil || n < 0 {
			return nil
		}
		switch prefix {
		case untoldPrefix:
			m.Trades = append(m.Trades, trade.Untold{AppID: rest[:j], TradeNo: rest[j+1 : i], Event: n})
		case untoldPacketPrefix:
			m.RedPackets = append(m.RedPackets, coupon.Untold{AppID: rest[:j], AuthNo: rest[j+1 : i], Event: n})
		default:
			m.Transfers = append(m.Transfers, fund.Untold{AppID: rest[:j], OutBizNo: rest[j+1 : i], Event: n})
		}
		return nil
	})
	slices.SortFunc(m.Trades, func(a, b trade.Untold) int {
		return cmp.Or(cmp.Compare(a.AppID, b.AppID), cmp.Compare(a.TradeNo, b.TradeNo), cmp.Compare(a.Event, b.Event))
	})
	slices.SortFunc(m.RedPackets, func(a, b coupon.Untold) int {
		return cmp.Or(cmp.Compare(a.AppID, b.AppID), cmp.Compare(a.AuthNo, b.AuthNo), cmp.Compare(a.Event, b.Event))
	})
	slices.SortFunc(m.Transfers, func(a, b fund.Untold) int {
		return cmp.Or(cmp.Compare(a.AppID, b.AppID), cmp.Compare(a.OutBizNo, b.OutBizNo), cmp.Compare(a.Event, b.Event))
	})
	return m, err
}

// ForgetUntold removes marks the start has dealt with, and waits until
// that is on disk.
func (db *DB) ForgetUntold(m Marks) error {
	var ops []op
	for _, u := range m.Trades {
		ops = append(ops, op{bucket: bucketMeta, key: untoldKey(untoldPrefix, u.AppID, u.TradeNo, u.Event)})
	}
	for _, u := range m.RedPackets {
		ops = append(ops, op{bucket: bucketMeta, key: untoldKey(untoldPacketPrefix, u.AppID, u.AuthNo, u.Event)})
	}
	for _, u := range m.Transfers {
		ops = append(ops, op{bucket: bucketMeta, key: untoldKey(untoldTransferPrefix, u.AppID, u.OutBizNo, u.Event)})
	}
	if len(ops) == 0 {
		return nil
	}
	return db.queue(ops...)()
}

// DeleteTrades deletes one app's trades, or all, with their untold marks
// (trade.Store).
func (db *DB) DeleteTrades(app string) error {
	return db.deleteWithMarks(bucketTrades, untoldPrefix, app)
}

// deleteWithMarks deletes one app's keys of bucket, or all, and the
// untold marks under prefix of the same app, in one change, and waits
// until that is on disk.
func (db *DB) deleteWithMarks(bucket []byte, prefix, app string) error {
	if app != "" {
		prefix += app + "/"
	}
	data, marks := deletePrefix(bucket, app+"/", app == ""), deletePrefix(bucketMeta, prefix, false)
	return db.queue(op{fn: func(tx *bolt.Tx) error {
		if err := data.fn(tx); err != nil {
			return err
		}
		return marks.fn(tx)
	}})()
}

// RemoveTrades queues the deletion of the trades eviction dropped
// (trade.Store).
func (db *DB) RemoveTrades(ts []trade.Trade) error {
	keys := make([][]byte, len(ts))
	for i, t := range ts {
		keys[i] = id(t.AppID, t.TradeNo)
	}
	db.remove(bucketTrades, keys)
	return nil
}

// RemoveTradesCrediting queues the deletion of evicted trades and the
// accounts their income moved into (fund.Book.Dropped) as one change: a
// crash leaves both or neither, so the money is counted once, in the
// records or in the bases. Written with the next batch, as RemoveTrades.
func (db *DB) RemoveTradesCrediting(ts []trade.Trade, accounts map[string]fund.Snapshot) error {
	keys := make([][]byte, len(ts))
	for i, t := range ts {
		keys[i] = id(t.AppID, t.TradeNo)
	}
	return db.removeCrediting(bucketTrades, keys, accounts)
}

// removeCrediting queues the deletion of keys of bucket with the writes
// of accounts, in one change.
func (db *DB) removeCrediting(bucket []byte, keys [][]byte, accounts map[string]fund.Snapshot) error {
	ops := make([]op, 0, len(keys)+len(accounts))
	for _, k := range keys {
		ops = append(ops, op{bucket: bucket, key: string(k)})
	}
	for k, s := range accounts {
		b, err := json.Marshal(s)
		if err != nil {
			return db.failed(err)
		}
		ops = append(ops, op{bucket: bucketFundAccounts, key: string(id(k, "merchant")), enc: func() ([]byte, error) { return b, nil }})
	}
	if len(ops) > 0 {
		db.queue(ops...)
	}
	return nil
}

// Trades loads every stored trade.
func (db *DB) Trades() ([]trade.Trade, error) {
	var out []trade.Trade
	err := db.each(bucketTrades, func(k, v []byte) error {
		t, err := trade.Unmarshal(v)
		if err != nil {
			return fmt.Errorf("store: trade %s: %w", k, err)
		}
		out = append(out, t)
		return nil
	})
	return out, err
}

// PutOrders queues red-packet orders to be stored and returns a wait for
// them to be on disk (coupon.Store).
// Each untold event is marked in the same batch, as PutTrades does.
func (db *DB) PutOrders(os []coupon.Order, untold ...coupon.Untold) func() error {
	ops := make([]op, len(os), len(os)+len(untold))
	for i, o := range os {
		ops[i] = op{bucket: bucketRedPackets, key: string(id(o.AppID, o.AuthNo)),
			enc: func() ([]byte, error) { return coupon.Marshal(o) }}
	}
	for _, u := range untold {
		ops = append(ops, mark(untoldPacketPrefix, u.AppID, u.AuthNo, u.Event))
	}
	return db.queue(ops...)
}

// DeleteOrders deletes one app's red packets, or all, with their untold
// marks (coupon.Store).
func (db *DB) DeleteOrders(app string) error {
	return db.deleteWithMarks(bucketRedPackets, untoldPacketPrefix, app)
}

// RemoveOrders queues the deletion of the orders eviction dropped
// (coupon.Store).
func (db *DB) RemoveOrders(os []coupon.Order) error {
	keys := make([][]byte, len(os))
	for i, o := range os {
		keys[i] = id(o.AppID, o.AuthNo)
	}
	db.remove(bucketRedPackets, keys)
	return nil
}

// RemoveOrdersCrediting is RemoveTradesCrediting for evicted red
// packets and the accounts their outlay left.
func (db *DB) RemoveOrdersCrediting(os []coupon.Order, accounts map[string]fund.Snapshot) error {
	keys := make([][]byte, len(os))
	for i, o := range os {
		keys[i] = id(o.AppID, o.AuthNo)
	}
	return db.removeCrediting(bucketRedPackets, keys, accounts)
}

// Orders loads every stored red-packet order.
func (db *DB) Orders() ([]coupon.Order, error) {
	var out []coupon.Order
	err := db.each(bucketRedPackets, func(k, v []byte) error {
		o, err := coupon.Unmarshal(v)
		if err != nil {
			return fmt.Errorf("store: red packet %s: %w", k, err)
		}
		out = append(out, o)
		return nil
	})
	return out, err
}

// PutNotification queues a notification to be stored and returns a wait
// for it to be on disk (notify.Store).
//
// A notification's first write removes its event's untold mark in the
// same batch (PutTrades).
func (db *DB) PutNotification(n notify.Notification) func() error {
	put := op{bucket: bucketNotifications, key: string(id(n.AppID, n.ID)),
		enc: func() ([]byte, error) { return notify.Marshal(n) }}
	return db.queue(append([]op{put}, untoldDeletes([]notify.Notification{n})...)...)
}

// DeleteNotifications deletes one app's notifications, or all, and in
// the same batch the untold marks of marked, whose writes never landed:
// left, they would make the cleared notifications again at the next start,
// and the number of the last id handed out (never lowered): a start
// numbers on from the larger of it and the stored ids
// (LastNotificationID), so a cleared id is not handed out again
// (notify.Store).
func (db *DB) DeleteNotifications(app string, marked []notify.Notification, last int64) error {
	keep := op{fn: func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		if v := m.Get(keyLastNotification); len(v) == 8 && int64(binary.BigEndian.Uint64(v)) >= last {
			return nil
		}
		return m.Put(keyLastNotification, binary.BigEndian.AppendUint64(nil, uint64(max(last, 0))))
	}}
	ops := append([]op{deletePrefix(bucketNotifications, app+"/", app == ""), keep}, untoldDeletes(marked)...)
	return db.queue(ops...)()
}

// LastNotificationID is the number of the last notification id a clear
// saw handed out (0 when none was kept).
func (db *DB) LastNotificationID() (int64, error) {
	var last int64
	err := db.bolt.View(func(tx *bolt.Tx) error { // written by checkpoints only: a whole-bucket change's batch
		if v := tx.Bucket(bucketMeta).Get(keyLastNotification); len(v) == 8 {
			last = int64(binary.BigEndian.Uint64(v) & (1<<63 - 1))
		}
		return nil
	})
	return last, err
}

// untoldDeletes are the deletions of the untold marks ns still hold
// (notify.Notification.Told).
func untoldDeletes(ns []notify.Notification) []op {
	var ops []op
	for _, n := range ns {
		if m, ok := n.Told(); ok {
			ops = append(ops, op{bucket: bucketMeta, key: untoldKey(markPrefix[m.Kind], m.AppID, m.No, m.Event)})
		}
	}
	return ops
}

// RemoveNotifications deletes the notifications eviction dropped
// (notify.Store).
func (db *DB) RemoveNotifications(ns []notify.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	ops := make([]op, 0, len(ns))
	for _, n := range ns {
		ops = append(ops, op{bucket: bucketNotifications, key: string(id(n.AppID, n.ID))})
	}
	db.queue(append(ops, untoldDeletes(ns)...)...) // a mark no write of it cleared goes with it
	return nil
}

// Notifications loads every stored notification, oldest first.
func (db *DB) Notifications() ([]notify.Notification, error) {
	var out []notify.Notification
	err := db.each(bucketNotifications, func(k, v []byte) error {
		n, err := notify.Unmarshal(v)
		if err != nil {
			return fmt.Errorf("store: notification %s: %w", k, err)
		}
		out = append(out, n)
		return nil
	})
	// Keys are app-first; ids number notifications in the order they were made.
	sortByID(out)
	return out, err
}

// PutApp stores an app (apps.Store).
func (db *DB) PutApp(r apps.Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return db.put(bucketApps, map[string][]byte{r.Spec.AppID: b})
}

// Apps loads every stored app.
func (db *DB) Apps() ([]apps.Record, error) {
	var out []apps.Record
	err := db.each(bucketApps, func(k, v []byte) error {
		var r apps.Record
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("store: app %s: %w", k, err)
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

func (db *DB) putJSON(bucket []byte, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return db.put(bucket, map[string][]byte{key: b})
}

// PutRelations stores one app's royalty relations, deleting them when
// there are none (royalty.Store); a delete that was not written is the
// error too.
func (db *DB) PutRelations(app string, list []royalty.Entity) error {
	if len(list) == 0 {
		return db.queue(op{bucket: bucketRoyalty, key: app})()
	}
	return db.putJSON(bucketRoyalty, app, list)
}

// DeleteRelations deletes every app's royalty relations (royalty.Store).
func (db *DB) DeleteRelations() error { return db.deleteApp(bucketRoyalty, "") }

// Relations loads every app's royalty relations.
func (db *DB) Relations() (map[string][]royalty.Entity, error) {
	out := map[string][]royalty.Entity{}
	err := db.each(bucketRoyalty, func(k, v []byte) error {
		var list []royalty.Entity
		if err := json.Unmarshal(v, &list); err != nil {
			return fmt.Errorf("store: royalty relations of %s: %w", k, err)
		}
		out[string(k)] = list
		return nil
	})
	return out, err
}

// PutCode stores an app_auth_code (appauth.Store).
func (db *DB) PutCode(c appauth.Code) error { return db.putJSON(bucketAppAuth, "code/"+c.Code, c) }

// PutToken stores an app_auth_token (appauth.Store).
func (db *DB) PutToken(t appauth.Token) error {
	return db.putJSON(bucketAppAuth, "token/"+t.AppAuthToken, t)
}

// DeleteAppAuth deletes app authorisation codes and tokens by code or
// app_auth_token (appauth.Store).
func (db *DB) DeleteAppAuth(keys []string) error { return db.deleteCodesAndTokens(bucketAppAuth, keys) }

// deleteCodesAndTokens deletes, from an authorisation bucket, the codes
// and tokens keys name.
func (db *DB) deleteCodesAndTokens(bucket []byte, keys []string) error {
	var ks [][]byte
	for _, k := range keys {
		ks = append(ks, []byte("code/"+k), []byte("token/"+k))
	}
	db.remove(bucket, ks)
	return db.Sync()
}

// AppAuth loads the stored authorisation codes and tokens.
func (db *DB) AppAuth() (codes []appauth.Code, tokens []appauth.Token, err error) {
	err = db.each(bucketAppAuth, func(k, v []byte) error {
		var err error
		if strings.HasPrefix(string(k), "code/") {
			var c appauth.Code
			err = json.Unmarshal(v, &c)
			codes = append(codes, c)
		} else {
			var t appauth.Token
			err = json.Unmarshal(v, &t)
			tokens = append(tokens, t)
		}
		if err != nil {
			return fmt.Errorf("store: %s: %w", k, err)
		}
		return nil
	})
	return codes, tokens, err
}

// PutUserCode stores a sign-in auth_code (userauth.Store).
func (db *DB) PutUserCode(c userauth.Code) error {
	return db.putJSON(bucketUserAuth, "code/"+c.Code, c)
}

// PutUserToken stores sign-in access tokens in one commit
// (userauth.Store).
func (db *DB) PutUserToken(ts ...userauth.Token) error {
	kv := make(map[string][]byte, len(ts))
	for _, t := range ts {
		b, err := json.Marshal(t)
		if err != nil {
			return err
		}
		kv["token/"+t.AccessToken] = b
	}
	return db.put(bucketUserAuth, kv)
}

// DeleteUserAuth deletes sign-in codes and tokens by code or access token
// (userauth.Store).
func (db *DB) DeleteUserAuth(keys []string) error {
	return db.deleteCodesAndTokens(bucketUserAuth, keys)
}

// UserAuth loads the stored sign-in codes and tokens.
func (db *DB) UserAuth() (codes []userauth.Code, tokens []userauth.Token, err error) {
	err = db.each(bucketUserAuth, func(k, v []byte) error {
		var err error
		if strings.HasPrefix(string(k), "code/") {
			var c userauth.Code
			err = json.Unmarshal(v, &c)
			codes = append(codes, c)
		} else {
			var t userauth.Token
			err = json.Unmarshal(v, &t)
			tokens = append(tokens, t)
		}
		if err != nil {
			return fmt.Errorf("store: %s: %w", k, err)
		}
		return nil
	})
	return codes, tokens, err
}

// PutClock stores the clock's state and waits until it is on disk.
func (db *DB) PutClock(s clock.Snapshot) error {
	wait, err := db.QueueClock(s)
	if err != nil {
		return err
	}
	return wait()
}

// QueueClock queues the clock's state without waiting for the disk, and
// returns a wait for it: the clock's hook runs under the clock's lock,
// and the change's caller waits once, after it (Sim.OnSettle). It does
// not wake the writer: the readings of an advance's stops ride with what
// their jobs write, each of which is queued after its reading, so never
// on disk before it. It fails at once only when the data file is closed.
func (db *DB) QueueClock(s clock.Snapshot) (wait func() error, err error) {
	return db.enqueue(false, op{bucket: bucketMeta, key: string(keyClock), enc: func() ([]byte, error) {
		b, err := json.Marshal(s)
		if err != nil {
			return nil, fmt.Errorf("clock not stored: %w", err)
		}
		return b, nil
	}})
}

// Clock loads the stored clock state; ok is false when there is none.
func (db *DB) Clock() (s clock.Snapshot, ok bool, err error) {
	db.pend.mu.RLock()
	defer db.pend.mu.RUnlock()
	if r, in := db.pend.m[string(bucketMeta)][string(keyClock)]; in {
		if r.gone {
			return s, false, nil
		}
		return s, true, json.Unmarshal(r.value, &s)
	}
	err = db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(keyClock)
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &s)
	})
	return s, ok, err
}

// sortByID orders notifications by their number ("ntf_000042"): fixed
// width, so the strings sort like the numbers.
func sortByID(ns []notify.Notification) {
	sort.SliceStable(ns, func(i, j int) bool {
		if len(ns[i].ID) != len(ns[j].ID) {
			return len(ns[i].ID) < len(ns[j].ID)
		}
		return ns[i].ID < ns[j].ID
	})
}

// PutTransfer stores a transfer and waits until it is on disk
// (fund.Store). Each untold status is marked in the same batch, as
// PutTrades does, and its message's write removes the mark.
func (db *DB) PutTransfer(t fund.Transfer, untold ...fund.Untold) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	ops := []op{{bucket: bucketTransfers, key: string(id(t.AppID, t.OutBizNo)), enc: func() ([]byte, error) { return b, nil }}}
	for _, u := range untold {
		ops = append(ops, mark(untoldTransferPrefix, u.AppID, u.OutBizNo, u.Event))
	}
	return db.queue(ops...)()
}

// RemoveTransfers deletes evicted transfers (fund.Store).
func (db *DB) RemoveTransfers(ts []fund.Transfer) error {
	keys := make([][]byte, len(ts))
	for i, t := range ts {
		keys[i] = id(t.AppID, t.OutBizNo)
	}
	db.remove(bucketTransfers, keys)
	return db.Sync()
}

// DeleteTransfers deletes one app's transfers, or every app's for "",
// with their untold marks (fund.Store).
func (db *DB) DeleteTransfers(app string) error {
	return db.deleteWithMarks(bucketTransfers, untoldTransferPrefix, app)
}

// PutAccount stores a merchant's balance account (fund.Store), keyed
// "account/merchant"; an earlier version kept one per app, keyed
// "app/account" (Transfers, UpgradeAccounts).
func (db *DB) PutAccount(account string, s fund.Snapshot) error {
	return db.putJSON(bucketFundAccounts, string(id(account, "merchant")), s)
}

// DeleteAccount deletes one balance account, or every one for ""
// (fund.Store).
func (db *DB) DeleteAccount(account string) error { return db.deleteApp(bucketFundAccounts, account) }

// UpgradeAccounts stores merged accounts and deletes the per-app accounts
// of apps an earlier version kept, in one commit (fund.Store).
func (db *DB) UpgradeAccounts(merged map[string]fund.Snapshot, apps []string) error {
	var ops []op
	for k, s := range merged {
		b, err := json.Marshal(s)
		if err != nil {
			return err
		}
		ops = append(ops, op{bucket: bucketFundAccounts, key: string(id(k, "merchant")), enc: func() ([]byte, error) { return b, nil }})
	}
	for _, app := range apps {
		ops = append(ops, op{bucket: bucketFundAccounts, key: string(id(app, "account"))})
	}
	return db.queue(ops...)()
}

// Transfers loads every transfer and balance account: the merchants'
// accounts, and the per-app accounts an earlier version kept.
func (db *DB) Transfers() (accounts, perApp map[string]fund.Snapshot, ts []fund.Transfer, err error) {
	accounts, perApp = map[string]fund.Snapshot{}, map[string]fund.Snapshot{}
	err = db.each(bucketFundAccounts, func(k, v []byte) error {
		var s fund.Snapshot
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("store: fund account %s: %w", k, err)
		}
		key, kind, _ := strings.Cut(string(k), "/")
		if kind == "account" {
			perApp[key] = s
		} else {
			accounts[key] = s
		}
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	err = db.each(bucketTransfers, func(k, v []byte) error {
		var t fund.Transfer
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("store: transfer %s: %w", k, err)
		}
		ts = append(ts, t)
		return nil
	})
	return accounts, perApp, ts, err
}

// Job is something planned on the mock's clock that no other record
// could plan again at start: an async settlement's message, a scenario
// buyer's step. It is kept from when it is planned until it has run.
type Job struct {
	ID    string          `json:"id"`
	Kind  string          `json:"kind"`
	AppID string          `json:"app_id"`
	Due   time.Time       `json:"due"` // on the mock's clock
	Data  json.RawMessage `json:"data"`
}

// PutJob stores a planned job and waits until it is on disk. It removes
// the untold marks of told, the events that planned it, in the same batch
// (PutTrades).
func (db *DB) PutJob(j Job, told ...trade.Untold) error {
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	ops := []op{{bucket: bucketJobs, key: string(id(j.AppID, j.ID)), enc: func() ([]byte, error) { return b, nil }}}
	for _, u := range told {
		ops = append(ops, op{bucket: bucketMeta, key: untoldKey(untoldPrefix, u.AppID, u.TradeNo, u.Event)})
	}
	return db.queue(ops...)()
}

// PutJobs stores jobs in one batch, all or none, and waits until they
// are on disk.
func (db *DB) PutJobs(js []Job) error {
	ops := make([]op, len(js))
	for i, j := range js {
		b, err := json.Marshal(j)
		if err != nil {
			return err
		}
		ops[i] = op{bucket: bucketJobs, key: string(id(j.AppID, j.ID)), enc: func() ([]byte, error) { return b, nil }}
	}
	return db.queue(ops...)()
}

// RemoveJob queues the deletion of a job that has run: written with the
// next batch, after what the job's run queued.
func (db *DB) RemoveJob(app, jobID string) { db.remove(bucketJobs, [][]byte{id(app, jobID)}) }

// DeleteJobs deletes one app's planned jobs, or every app's for "" (a
// reset).
func (db *DB) DeleteJobs(app string) error { return db.deleteApp(bucketJobs, app) }

// Jobs loads every planned job.
func (db *DB) Jobs() ([]Job, error) {
	var js []Job
	err := db.each(bucketJobs, func(k, v []byte) error {
		var j Job
		if err := json.Unmarshal(v, &j); err != nil {
			return fmt.Errorf("store: job %s: %w", k, err)
		}
		js = append(js, j)
		return nil
	})
	return js, err
}

// PutPolicy stores a scenario's notification policy for app's out_trade_no
// (or out_order_no) and waits until it is on disk.
func (db *DB) PutPolicy(app, out string, p notify.Policy) error {
	return db.putJSON(bucketPolicies, string(id(app, out)), p)
}

// RemovePolicies queues the deletion of policies, each "app|out": written
// with the next batch.
func (db *DB) RemovePolicies(keys []string) {
	ks := make([][]byte, len(keys))
	for i, k := range keys {
		app, out, _ := strings.Cut(k, "|")
		ks[i] = id(app, out)
	}
	db.remove(bucketPolicies, ks)
}

// DeletePolicies deletes one app's policies, or every app's for "".
func (db *DB) DeletePolicies(app string) error { return db.deleteApp(bucketPolicies, app) }

// Policies loads every policy, by "app|out".
func (db *DB) Policies() (map[string]notify.Policy, error) {
	ps := map[string]notify.Policy{}
	err := db.each(bucketPolicies, func(k, v []byte) error {
		var p notify.Policy
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("store: policy %s: %w", k, err)
		}
		app, out, _ := strings.Cut(string(k), "/")
		ps[app+"|"+out] = p
		return nil
	})
	return ps, err
}

// QueueQueryPay queues a scenario buyer waiting for queries
// (pay_after_queries) of app's out_trade_no out, as JSON, or its deletion
// when v is nil, and returns the wait for its commit.
func (db *DB) QueueQueryPay(app, out string, v []byte) func() error {
	o := op{bucket: bucketQueryPays, key: string(id(app, out))}
	if v != nil {
		o.enc = func() ([]byte, error) { return v, nil }
	}
	return db.queue(o)
}

// QueueDeleteQueryPays queues the deletion of one app's waiting buyers,
// or every app's for "", and returns the wait for its commit.
func (db *DB) QueueDeleteQueryPays(app string) func() error {
	return db.queue(deletePrefix(bucketQueryPays, app+"/", app == ""))
}

// QueryPays loads every waiting buyer, by "app|out".
func (db *DB) QueryPays() (map[string][]byte, error) {
	m := map[string][]byte{}
	err := db.each(bucketQueryPays, func(k, v []byte) error {
		app, out, _ := strings.Cut(string(k), "/")
		m[app+"|"+out] = append([]byte(nil), v...)
		return nil
	})
	return m, err
}

// keyScenarios holds the scenario engine's state: the files in force with
// their rules' counters and states (scenarios.Store's state, as JSON).
var keyScenarios = []byte("state")

// QueueScenarios queues the scenario engine's state to be stored and
// returns the wait for its commit.
func (db *DB) QueueScenarios(v []byte) func() error {
	return db.queue(op{bucket: bucketScenarios, key: string(keyScenarios), enc: func() ([]byte, error) { return v, nil }})
}

// Scenarios loads the stored scenario engine's state; nil when there is
// none.
func (db *DB) Scenarios() ([]byte, error) {
	db.pend.mu.RLock()
	defer db.pend.mu.RUnlock()
	if r, in := db.pend.m[string(bucketScenarios)][string(keyScenarios)]; in {
		if r.gone {
			return nil, nil
		}
		return append([]byte(nil), r.value...), nil
	}
	var v []byte
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v = append([]byte(nil), tx.Bucket(bucketScenarios).Get(keyScenarios)...)
		return nil
	})
	return v, err
}

// PutAppAccount stores an account as versions before merchants' accounts
// kept one, per app ("app/account"), which the next start merges
// (fund.Book.Restore): tests write an earlier version's file with it.
func (db *DB) PutAppAccount(app string, s fund.Snapshot) error {
	return db.putJSON(bucketFundAccounts, string(id(app, "account")), s)
}
