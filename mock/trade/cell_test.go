package trade

import (
	"testing"
	"unsafe"
)

// TestRekeyKeepsRecordBytes: after a call, every index key of a trade is
// bytes of its current record, so neither the trade's own strings nor an
// earlier record stay alive through an index; and each trade is found by
// every key. rekey counts on an assignment to a string key already in a
// map storing the new key string: this fails if Go's maps stop doing so.
func TestRekeyKeepsRecordBytes(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})
	for _, out := range []string{"rk1", "rk2", "rk3"} {
		if _, err := e.book.Precreate(merchant1, order(out, "10"), ctx); err != nil {
			t.Fatal(err)
		}
	}
	// The same out_trade_no in another app hangs off the first's cell.
	if _, err := e.book.Precreate(merchant2, order("rk1", "10"), ctx); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		e.book.mu.Lock()
		defer e.book.mu.Unlock()
		for name, m := range map[string]map[string]*cell{"byNo": e.book.byNo, "byOut": e.book.byOut, "byQR": e.book.byQR, "byPage": e.book.byPage} {
			if len(m) < 3 {
				t.Fatalf("%s: %s holds %d trades", when, name, len(m))
			}
			for k, c := range m {
				rec, key := uintptr(unsafe.Pointer(unsafe.StringData(c.rec))), uintptr(unsafe.Pointer(unsafe.StringData(k)))
				if key < rec || key+uintptr(len(k)) > rec+uintptr(len(c.rec)) {
					t.Errorf("%s: %s key %q is not bytes of its trade's record", when, name, k)
				}
			}
		}
	}
	check("after precreate")
	// Closing changes each record: the keys move to the new one.
	for _, out := range []string{"rk1", "rk2"} {
		if _, err := e.book.Close(app1, Ref{OutTradeNo: out}, "op"); err != nil {
			t.Fatal(err)
		}
	}
	check("after close")
	for _, out := range []string{"rk1", "rk2", "rk3"} {
		tr, err := e.book.Query(app1, Ref{OutTradeNo: out})
		if err != nil || tr.OutTradeNo != out {
			t.Fatalf("query %s: %+v, %v", out, tr.OutTradeNo, err)
		}
	}
}
