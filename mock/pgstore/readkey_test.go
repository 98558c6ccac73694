package pgstore

import "testing"

// Two reads share a statement only when their statement and every
// argument are the same: no argument can pass for others, or for another
// type's.
func TestReadKeysTellReadsApart(t *testing.T) {
	const q = "SELECT 1"
	for _, c := range [][2][]any{
		{{"ab"}, {"a", "b"}},
		{{"a\x00s1:b"}, {"a", "b"}},
		{{"a", ""}, {"a"}},
		{{"1"}, {1}},
		{{int64(1)}, {1}},
		{{""}, {}},
		{{"s1:x"}, {"x"}},
	} {
		if readKey(q, c[0]) == readKey(q, c[1]) {
			t.Errorf("%q and %q share a key", c[0], c[1])
		}
		if readKey(q, c[0]) != readKey(q, append([]any(nil), c[0]...)) {
			t.Errorf("%q: the same read, two keys", c[0])
		}
	}
	if readKey(q, []any{"a"}) == readKey(q+" ", []any{"a"}) {
		t.Error("two statements share a key")
	}
}
