package gateway

import (
	"bytes"
	"testing"
)

// FuzzEscapeSlash: escaping in place gives what bytes.ReplaceAll gives,
// whatever spare room the buffer has, and leaves no other byte changed.
func FuzzEscapeSlash(f *testing.F) {
	for _, s := range []string{"", "/", "//", "a/b", `{"qr_code":"http://127.0.0.1/qr/x"}`, "no slash", "/a/", "\\/"} {
		for _, spare := range []uint8{0, 1, 3, 64} {
			f.Add([]byte(s), spare)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, spare uint8) {
		want := bytes.ReplaceAll(in, []byte("/"), []byte(`\/`))
		buf := make([]byte, len(in), len(in)+int(spare))
		copy(buf, in)
		if got := escapeSlash(buf); !bytes.Equal(got, want) {
			t.Fatalf("escapeSlash(%q) with %d spare = %q, want %q", in, spare, got, want)
		}
	})
}
