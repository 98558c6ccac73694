package limits

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCut(t *testing.T) {
	big := strings.Repeat("a", 100)
	for _, tc := range []struct {
		name, in string
		max      int
		want     string
	}{
		{"short stays", "abc", 10, "abc"},
		{"exact stays", "abcde", 5, "abcde"},
		{"long is cut with its size", big, 10, "aaaaaaaaaa…[truncated: 100 bytes]"},
		{"never splits a rune", "支付宝支付", 4, "支…[truncated: 15 bytes]"},
		{"zero keeps only the note", "abc", 0, "…[truncated: 3 bytes]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Cut(tc.in, tc.max)
			if got != tc.want {
				t.Errorf("Cut(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("invalid UTF-8: %q", got)
			}
		})
	}
}

func TestLogHandlerCapsEveryValue(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(LogHandler(slog.NewTextHandler(&buf, nil), 64))
	huge := strings.Repeat("x", 1<<20)
	log.With("ctx", huge).WithGroup("g").Warn(huge, "s", huge, "err", errors.New(huge), "n", 42,
		slog.Group("inner", "deep", huge))
	line := buf.String()
	if len(line) > 1024 {
		t.Fatalf("log line is %d bytes: values were not cut", len(line))
	}
	if got := strings.Count(line, "truncated: 1048576 bytes"); got != 5 {
		t.Errorf("%d cut values noted in %s, want 5 (message, ctx, s, err, deep)", got, line)
	}
	if !strings.Contains(line, "g.n=42") {
		t.Errorf("small values must pass unchanged: %s", line)
	}
}
