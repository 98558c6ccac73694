package store

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The write-ahead log. Each group commit (commit.go) is one frame appended
// to LogName and one fdatasync; its callers are answered after that. The
// changes are kept in memory too (pending) and written to bbolt later by a
// checkpoint: one synced bbolt transaction for many batches.
//
// Why nothing acknowledged is lost: a batch is acknowledged only once its
// frame is on disk. A frame is trusted only if its checksum (CRC-32C over
// header and payload) holds, its length lies inside the file, it carries
// the log's current id and the next sequence number. The id is a random
// 64-bit number kept in bbolt's bucket "wal"; a checkpoint writes the
// pending changes and a new id in the same bbolt transaction, so either
// that transaction is on disk and every frame of the old id (already in
// bbolt) is ignored from then on, or it is not and those frames are
// replayed. Replaying is writing the last state of keys again, so a crash
// during a replay or a checkpoint only repeats it. A torn frame at the
// end was never acknowledged (its fdatasync had not returned) and
// fails its checksum, so it and everything after it is ignored; a frame
// applies all or nothing. Stale frames from an earlier id stay in the
// reused file but are never read as current: the id is secret from
// anyone who can only put data in values, so a value cannot forge a frame.
// A valid frame of the current id found after the frame replay stopped at
// means damage in the middle of the log, not a torn end: Open refuses the
// directory rather than drop acknowledged changes silently.
//
// A clean Close checkpoints everything and removes the "wal" bucket, so a
// cleanly closed directory is plain bbolt as before the log. While the
// bucket exists (the mock is running, or crashed), binaries from before
// the log refuse the directory (an unknown bucket) instead of opening it
// without the log's last changes, which a later start would then replay
// over whatever they changed.
//
// The file is filled with zeros once (logSize), so appends inside it
// never change its size or extents and fdatasync flushes data only. A
// frame that does not fit goes to bbolt directly with a checkpoint, as do
// whole-bucket changes (resets) and the first batch after any failure to
// write the log or to checkpoint.

// LogName is the write-ahead log inside the data directory.
const LogName = "alipay-mock.wal"

// The log's size and what makes a checkpoint due: whichever comes first.
const (
	logSize          = int64(8 << 20)
	checkpointBytes  = int64(4 << 20)
	checkpointEvery  = 8192 // changes
	checkpointMaxAge = time.Second
)

var holdCheckpoints atomic.Bool // tests: only Close, resets and failures checkpoint

const (
	frameMagic  = 0x414d574c // "AMWL"
	frameHeader = 4 + 4 + 8 + 8 + 4
	maxFrame    = 1 << 30

	recPut    = 1
	recDelete = 2
)

var (
	bucketLog = []byte("wal") // holds keyLogID while frames may be current
	keyLogID  = []byte("id")  // the id of the log's current frames
	crcTable  = crc32.MakeTable(crc32.Castagnoli)
)

// record is one change in a frame: the last one of its key in a batch.
type record struct {
	bucket []byte
	key    string
	value  []byte // nil with gone
	gone   bool
}

// appendRecords encodes records as a frame's payload.
func appendRecords(buf []byte, recs []record) []byte {
	for _, r := range recs {
		kind := byte(recPut)
		if r.gone {
			kind = recDelete
		}
		buf = append(buf, kind)
		buf = binary.AppendUvarint(buf, uint64(len(r.bucket)))
		buf = append(buf, r.bucket...)
		buf = binary.AppendUvarint(buf, uint64(len(r.key)))
		buf = append(buf, r.key...)
		if !r.gone {
			buf = binary.AppendUvarint(buf, uint64(len(r.value)))
			buf = append(buf, r.value...)
		}
	}
	return buf
}

var errBadRecord = errors.New("bad log record")

// decodeRecords reads a payload; any damage is an error and nothing of it
// is used. Values point into p.
func decodeRecords(p []byte) ([]record, error) {
	var out []record
	field := func() ([]byte, error) {
		n, w := binary.Uvarint(p)
		if w <= 0 || n > uint64(len(p)-w) {
			return nil, errBadRecord
		}
		f := p[w : w+int(n)]
		p = p[w+int(n):]
		return f, nil
	}
	for len(p) > 0 {
		kind := p[0]
		p = p[1:]
		if kind != recPut && kind != recDelete {
			return nil, errBadRecord
		}
		bucket, err := field()
		if err != nil {
			return nil, err
		}
		key, err := field()
		if err != nil || len(key) == 0 || len(key) > bolt.MaxKeySize {
			return nil, errBadRecord
		}
		r := record{bucket: bucket, key: string(key), gone: kind == recDelete}
		if !r.gone {
			if r.value, err = field(); err != nil {
				return nil, err
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// sealFrame writes the header of the frame in buf (its payload at
// buf[frameHeader:]).
func sealFrame(buf []byte, id, seq uint64) {
	binary.LittleEndian.PutUint32(buf[0:], frameMagic)
	binary.LittleEndian.PutUint32(buf[4:], uint32(len(buf)-frameHeader))
	binary.LittleEndian.PutUint64(buf[8:], id)
	binary.LittleEndian.PutUint64(buf[16:], seq)
	c := crc32.Update(0, crcTable, buf[:24])
	c = crc32.Update(c, crcTable, buf[frameHeader:])
	binary.LittleEndian.PutUint32(buf[24:], c)
}

// decodeLog reads the frames of log id from the start of data, in order,
// and stops at the first that is not one: torn, damaged, of another id,
// out of sequence, or zeros. It returns their records and where the
// frames end.
func decodeLog(data []byte, id uint64) (recs [][]record, end int) {
	return decodeFrom(data, id, 0, false)
}

// decodeFrom is decodeLog from sequence number seq on; with later, the
// first frame may have any sequence number from seq on.
func decodeFrom(data []byte, id, seq uint64, later bool) (recs [][]record, end int) {
	for ; len(data)-end >= frameHeader; seq++ {
		h := data[end:]
		n := int64(binary.LittleEndian.Uint32(h[4:]))
		got := binary.LittleEndian.Uint64(h[16:])
		if later && len(recs) == 0 && got >= seq {
			seq = got
		}
		if binary.LittleEndian.Uint32(h[0:]) != frameMagic || n > maxFrame || n > int64(len(h)-frameHeader) ||
			binary.LittleEndian.Uint64(h[8:]) != id || got != seq {
			break
		}
		payload := h[frameHeader : frameHeader+n]
		c := crc32.Update(0, crcTable, h[:24])
		if crc32.Update(c, crcTable, payload) != binary.LittleEndian.Uint32(h[24:]) {
			break
		}
		rs, err := decodeRecords(payload)
		if err != nil {
			break
		}
		recs = append(recs, rs)
		end += frameHeader + int(n)
	}
	return recs, end
}

// pending holds the changes in the log that bbolt does not have yet:
// bucket → key → last state. Readers consult it before bbolt.
type pending struct {
	mu sync.RWMutex
	m  map[string]map[string]record
}

func (p *pending) add(recs []record) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[string]map[string]record{}
	}
	for _, r := range recs {
		bk := p.m[string(r.bucket)]
		if bk == nil {
			bk = map[string]record{}
			p.m[string(r.bucket)] = bk
		}
		bk[r.key] = r
	}
}

// apply writes the pending changes into tx, each bucket's in key order.
func (p *pending) apply(tx *bolt.Tx) error {
	for name, bk := range p.m {
		b := tx.Bucket([]byte(name))
		if b == nil {
			continue // not one of ours: only a damaged log could name it
		}
		keys := make([]string, 0, len(bk))
		for k := range bk {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			r := bk[k]
			var err error
			if r.gone {
				err = b.Delete([]byte(k))
			} else {
				err = b.Put([]byte(k), r.value)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// wal is the log file and where the next frame goes. Only the writer
// goroutine (and Open, before it starts) uses it.
type wal struct {
	f       *os.File
	id      uint64
	seq     uint64
	off     int64
	size    int64
	changes int       // pending since the last checkpoint
	since   time.Time // the first pending change's append
	broken  bool      // the last append or checkpoint failed: checkpoint before appending again
	buf     []byte
}

func newID() uint64 {
	var b [8]byte
	if _, err := io.ReadFull(rand.Reader, b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return binary.LittleEndian.Uint64(b[:])
}

// openLog opens (or creates) the log in dir, replays the frames of the id
// bbolt holds into bbolt in one transaction with setup, and starts a new
// id: the state after it is the last acknowledged one. While bbolt holds
// an id the log holds changes bbolt may lack, so a log that is missing,
// empty or shorter than it was filled to is refused, never read as one
// with nothing in it; and a new id is committed only once the log is
// filled and synced, so that no crash leaves an id beside a log it did
// not fill.
func (db *DB) openLog(dir string, setup func(tx *bolt.Tx) error) error {
	path := filepath.Join(dir, LogName)
	var old uint64
	var have bool
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if m := tx.Bucket(bucketLog); m != nil {
			if v := m.Get(keyLogID); len(v) == 8 {
				old, have = binary.LittleEndian.Uint64(v), true
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	flags := os.O_RDWR
	if !have { // a cleanly closed directory, a new one, or one from before the log
		flags |= os.O_CREATE
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", path, lostLog("is missing"))
	}
	if err != nil {
		return err
	}
	fail := func(err error) error {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return fail(err)
	}
	var frames [][]record
	if have {
		switch n := int64(len(data)); {
		case n == 0:
			return fail(lostLog("is empty"))
		case n < logSize:
			// Filled once and never shortened by an append: a cut.
			return fail(fmt.Errorf("the write-ahead log is %d bytes, shorter than the %d it was filled to, so acknowledged "+
				"changes past byte %d may be gone: put the whole log back, or, to start without what was cut off, fill it "+
				"back with zeros (truncate -s %d %s)", n, logSize, n, logSize, LogName))
		}
		var end int
		frames, end = decodeLog(data, old)
		if at := laterFrame(data, end, old, uint64(len(frames))); at >= 0 {
			return fail(fmt.Errorf("the write-ahead log is damaged at byte %d, before a frame at byte %d that "+
				"holds acknowledged changes: to start without the changes from byte %d on, cut the log there and fill it "+
				"back with zeros (truncate -s %d %s && truncate -s %d %s)", end, at, end, end, LogName, logSize, LogName))
		}
	}
	// Filled with zeros once; a larger file (from a larger logSize) is kept.
	size := max(int64(len(data)), logSize)
	if int64(len(data)) < size {
		if _, err := f.WriteAt(make([]byte, size-int64(len(data))), int64(len(data))); err != nil {
			return fail(err)
		}
	}
	// Synced at every start, not only when filled: a start that died
	// after filling it may not have synced it or its name. Before the new
	// id is committed: bbolt never holds an id beside a log not yet filled.
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := syncDir(dir); err != nil {
		return fail(err)
	}
	id := newID()
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		if err := setup(tx); err != nil {
			return err
		}
		for _, recs := range frames {
			for _, r := range recs {
				b := tx.Bucket(r.bucket)
				if b == nil {
					continue
				}
				var err error
				if r.gone {
					err = b.Delete([]byte(r.key))
				} else {
					err = b.Put([]byte(r.key), r.value)
				}
				if err != nil {
					return err
				}
			}
		}
		return putLogID(tx, id)
	})
	if err != nil {
		return fail(err)
	}
	db.log = &wal{f: f, id: id, size: size}
	db.replayed = len(frames)
	return nil
}

// lostLog is the error of a log that is gone while bbolt holds its id:
// the mock stopped without a clean shutdown, and the log held the
// acknowledged changes since the last checkpoint.
func lostLog(what string) error {
	return fmt.Errorf("the write-ahead log %s, but the data file %s shows the mock stopped without a clean shutdown, so "+
		"the log held acknowledged changes the data file lacks: put the log back, or, to start without them, make a new "+
		"one of zeros (truncate -s %d %s)", what, FileName, logSize, LogName)
}

func putLogID(tx *bolt.Tx, id uint64) error {
	b, err := tx.CreateBucketIfNotExists(bucketLog)
	if err != nil {
		return err
	}
	return b.Put(keyLogID, binary.LittleEndian.AppendUint64(nil, id))
}

// syncDir makes the names in dir durable (the log's, bbolt's).
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) { // some file systems cannot sync a directory
		return err
	}
	return nil
}

// laterFrame is the offset of a valid frame of log id with a sequence
// number of at least seq somewhere after from, or -1. Appends never
// follow a frame that failed (the next batch checkpoints to a new id), so
// one can be found only when a frame in the middle was damaged.
func laterFrame(data []byte, from int, id, seq uint64) int {
	var magic [4]byte
	binary.LittleEndian.PutUint32(magic[:], frameMagic)
	for at := from + 1; at < len(data); at++ {
		i := bytes.Index(data[at:], magic[:])
		if i < 0 {
			return -1
		}
		at += i
		if recs, _ := decodeFrom(data[at:], id, seq, true); len(recs) > 0 {
			return at
		}
	}
	return -1
}

// records are a batch's changes as the log holds them: the last of each
// key, encoded.
func (b *batch) records() ([]record, error) {
	recs := make([]record, 0, len(b.last))
	for i, o := range b.ops {
		if b.last[string(o.bucket)+"\x00"+o.key] != i {
			continue
		}
		switch { // what bbolt would refuse at the checkpoint is refused now
		case len(o.key) == 0:
			return nil, fmt.Errorf("%s: %w", o.bucket, bolt.ErrKeyRequired)
		case len(o.key) > bolt.MaxKeySize:
			return nil, fmt.Errorf("%s: %w", o.bucket, bolt.ErrKeyTooLarge)
		}
		r := record{bucket: o.bucket, key: o.key, gone: o.enc == nil}
		if !r.gone {
			v, err := o.enc()
			if err != nil {
				return nil, err
			}
			if len(v) > bolt.MaxValueSize {
				return nil, bolt.ErrValueTooLarge
			}
			r.value = v
		}
		recs = append(recs, r)
	}
	return recs, nil
}

// commit makes a batch durable: one frame and one fdatasync, or, for a
// whole-bucket change, a frame that does not fit, or after a failure, a
// checkpoint that writes it to bbolt with everything pending.
func (db *DB) commit(b *batch) error {
	w := db.log
	if b.whole || w.broken {
		return db.checkpoint(b, false)
	}
	recs, err := b.records()
	if err != nil {
		return err
	}
	w.buf = appendRecords(append(w.buf[:0], make([]byte, frameHeader)...), recs)
	if w.off+int64(len(w.buf)) > w.size || len(w.buf) > maxFrame {
		return db.checkpoint(b, false)
	}
	sealFrame(w.buf, w.id, w.seq)
	if err := w.append(w.buf); err != nil {
		// What reached the file is unknown. Its callers are told it
		// failed, so its header is zeroed (best effort: the disk is
		// failing) and the next checkpoint, due at once, starts a new id:
		// after that no frame of this one is ever read.
		_, _ = w.f.WriteAt(make([]byte, frameHeader), w.off)
		_ = datasync(w.f)
		w.broken = true
		return err
	}
	if w.changes == 0 {
		w.since = time.Now()
	}
	w.changes += len(recs)
	db.pend.add(recs)
	if cap(w.buf) > 1<<20 {
		w.buf = nil // do not keep a large batch's buffer
	}
	return nil
}

// appendFrame is the log's write; tests replace it to fail.
var appendFrame = func(w *wal, frame []byte) error {
	if _, err := w.f.WriteAt(frame, w.off); err != nil {
		return err
	}
	return datasync(w.f)
}

func (w *wal) append(frame []byte) error {
	if err := appendFrame(w, frame); err != nil {
		return err
	}
	w.off += int64(len(frame))
	w.seq++
	return nil
}

// due tells whether a checkpoint is due: after a failure (so a frame
// whose append failed is not replayed once it succeeds), or
// when enough is pending. Close always checkpoints.
func (w *wal) due() bool {
	switch {
	case w.broken:
		return true
	case w.changes == 0, holdCheckpoints.Load():
		return false
	}
	return w.changes >= checkpointEvery || w.off >= checkpointBytes || time.Since(w.since) >= checkpointMaxAge
}

// checkpoint writes what is pending, then b (if any), and a new log id in
// one synced bbolt transaction; after it the log starts again at its
// beginning. The last one, at Close, removes the id instead: the log then
// holds nothing current.
func (db *DB) checkpoint(b *batch, closing bool) error {
	w := db.log
	id := newID()
	// Readers wait: between bbolt's commit and emptying pending they
	// would see a change a reset in b removed.
	db.pend.mu.Lock()
	defer db.pend.mu.Unlock()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := db.pend.apply(tx); err != nil {
			return err
		}
		if b != nil {
			if err := b.apply(tx); err != nil {
				return err
			}
		}
		if closing {
			return tx.DeleteBucket(bucketLog)
		}
		return putLogID(tx, id)
	})
	if err != nil {
		// Whether bbolt has it is not known when its commit failed:
		// the log stays as it is and nothing is appended until a
		// checkpoint succeeds.
		w.broken = true
		return err
	}
	db.pend.m = nil
	w.id, w.seq, w.off, w.changes, w.broken = id, 0, 0, 0, false
	db.c.mu.Lock()
	db.c.stats.Checkpoints++
	db.c.mu.Unlock()
	return nil
}
