package store

import "errors"

// What the package's external tests need to make crash images of the log.

// HoldCheckpoints keeps the log's changes out of bbolt until Close (or a
// whole-bucket change) until release is called.
func HoldCheckpoints() (release func()) {
	holdCheckpoints.Store(true)
	return func() { holdCheckpoints.Store(false) }
}

// Checkpoint writes what the log holds into bbolt now.
func Checkpoint(db *DB) error {
	db.c.gate.Lock()
	defer db.c.gate.Unlock()
	return db.checkpoint(nil, false)
}

// LogEnd is where the log's next frame goes.
func LogEnd(db *DB) int64 {
	db.c.gate.Lock()
	defer db.c.gate.Unlock()
	return db.log.off
}

// Replayed is how many log frames Open replayed.
func Replayed(db *DB) int { return db.replayed }

// ErrDiskFull is what FailNextAppend makes the log's write answer.
var ErrDiskFull = errors.New("no space left on device (test)")

// FailNextAppend makes the next log append fail as a full disk would,
// after writing half its frame.
func FailNextAppend(db *DB) { failNext(db, 2) }

// FailNextSync makes the next log append write its whole frame and then
// fail, as an fdatasync that reports an I/O error would.
func FailNextSync(db *DB) { failNext(db, 1) }

// failNext makes the next append write 1/part of its frame and fail. (The
// writer reads appendFrame under the gate.)
func failNext(db *DB, part int) {
	db.c.gate.Lock()
	defer db.c.gate.Unlock()
	orig := appendFrame
	appendFrame = func(w *wal, frame []byte) error {
		appendFrame = orig
		_, _ = w.f.WriteAt(frame[:len(frame)/part], w.off)
		return ErrDiskFull
	}
}
