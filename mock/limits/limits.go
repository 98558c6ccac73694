// Package limits holds the mock's memory ceilings that are not a single
// store's: cutting a large value down to a bounded copy that says how big
// it was, and a log handler that does that to every message and attribute.
package limits

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxLogValue bounds every log message and attribute value, in bytes.
const MaxLogValue = 4 << 10

// Cut returns s when it is at most max bytes; otherwise a fresh copy of its
// first max bytes (never splitting a UTF-8 sequence) followed by a note of
// the original size. The copy does not share s's memory, so a kept cut
// value lets the large original be collected.
func Cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	if max < 0 {
		max = 0
	}
	n := max
	for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
		n--
	}
	var b strings.Builder
	b.Grow(n + 40)
	b.WriteString(s[:n])
	b.WriteString("…[truncated: ")
	b.WriteString(strconv.Itoa(len(s)))
	b.WriteString(" bytes]")
	return b.String()
}

// Cuts reports whether Cut would shorten s.
func Cuts(s string, max int) bool { return len(s) > max }
