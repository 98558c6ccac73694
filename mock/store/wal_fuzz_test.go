package store

import (
	"bytes"
	"testing"
)

// logOf makes a log of id holding one frame per batch of records.
func logOf(id uint64, batches ...[]record) []byte {
	var out []byte
	for seq, recs := range batches {
		f := appendRecords(make([]byte, frameHeader), recs)
		sealFrame(f, id, uint64(seq))
		out = append(out, f...)
	}
	return out
}

// FuzzDecodeLog: whatever the log file holds, reading it never panics,
// and every frame it accepts is one of the log's id, in sequence, inside
// the data, whose records encode back to its payload exactly.
//
//	go test ./mock/store -run '^$' -fuzz FuzzDecodeLog -fuzztime 30s
func FuzzDecodeLog(f *testing.F) {
	const id = 0x1122334455667788
	f.Add(logOf(id, []record{{bucket: []byte("trades"), key: "a/1", value: []byte("v")}},
		[]record{{bucket: []byte("trades"), key: "a/1", gone: true}, {bucket: []byte("meta"), key: "clock", value: []byte("{}")}}), uint64(id))
	f.Add(logOf(id, []record{{bucket: []byte("x"), key: "k", value: nil}}), uint64(id+1))
	f.Add(make([]byte, 100), uint64(0))
	f.Fuzz(func(t *testing.T, data []byte, id uint64) {
		frames, end := decodeLog(data, id)
		if end > len(data) {
			t.Fatalf("frames end at %d past the data's %d", end, len(data))
		}
		// Encoding what was accepted gives back the accepted bytes.
		if again := logOf(id, frames...); !bytes.Equal(again, data[:end]) {
			t.Fatalf("accepted frames do not encode back to the log")
		}
		// The decoded records are exactly what a shorter log holds too.
		if n := len(frames); n > 0 {
			short, _ := decodeLog(data[:end-1], id)
			if len(short) != n-1 {
				t.Fatalf("cutting the last accepted frame left %d frames of %d", len(short), n)
			}
		}
	})
}

// Frames of another log id are not read, whatever their place.
func TestDecodeLogReadsOnlyItsID(t *testing.T) {
	rec := []record{{bucket: []byte("trades"), key: "a/1", value: []byte("v")}}
	a := logOf(1, rec, rec)
	b := logOf(2, rec, rec)
	if fs, _ := decodeLog(a, 2); len(fs) != 0 {
		t.Errorf("log 1 read as log 2: %d frames", len(fs))
	}
	// Frame 0 of log 2, then frame 1 of log 1 (right place and sequence).
	mixed := append(b[:len(b)/2:len(b)/2], a[len(a)/2:]...)
	if fs, end := decodeLog(mixed, 2); len(fs) != 1 || end != len(b)/2 {
		t.Errorf("read %d frames up to %d, want 1 up to %d", len(fs), end, len(b)/2)
	}
}
