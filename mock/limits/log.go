package limits

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/alipay-mock/alipay-mock/mock/redact"
)

// LogHandler wraps h so that no message or attribute value it passes on is
// longer than max bytes (MaxLogValue when max <= 0): one request with a
// 1 MiB parameter must not make a 1 MiB log line. It also takes the
// secrets out of every message and value (redact.Text): page tokens in
// paths, app_auth_token in a string to sign.
func LogHandler(h slog.Handler, max int) slog.Handler {
	if max <= 0 {
		max = MaxLogValue
	}
	if c, ok := h.(*capped); ok {
		h = c.next // never wrap twice
	}
	return &capped{next: h, max: max}
}

type capped struct {
	next slog.Handler
	max  int
}

func (c *capped) Enabled(ctx context.Context, l slog.Level) bool { return c.next.Enabled(ctx, l) }

func (c *capped) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, redact.Text(Cut(r.Message, c.max)), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(c.attr(a))
		return true
	})
	return c.next.Handle(ctx, out)
}

func (c *capped) WithAttrs(as []slog.Attr) slog.Handler {
	cut := make([]slog.Attr, len(as))
	for i, a := range as {
		cut[i] = c.attr(a)
	}
	return &capped{next: c.next.WithAttrs(cut), max: c.max}
}

func (c *capped) WithGroup(name string) slog.Handler {
	return &capped{next: c.next.WithGroup(Cut(name, c.max)), max: c.max}
}

// attr cuts and then redacts one attribute (so redaction reads at most max
// bytes; a secret the cut split is still found): strings directly, groups
// member by member, and anything else by its text when that text is too
// long or holds a secret.
func (c *capped) attr(a slog.Attr) slog.Attr {
	a.Key = Cut(a.Key, c.max)
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(redact.Text(Cut(v.String(), c.max)))
	case slog.KindGroup:
		g := v.Group()
		cut := make([]slog.Attr, len(g))
		for i, m := range g {
			cut[i] = c.attr(m)
		}
		a.Value = slog.GroupValue(cut...)
	case slog.KindAny:
		text := fmt.Sprint(v.Any())
		if safe := redact.Text(Cut(text, c.max)); safe != text {
			a.Value = slog.StringValue(safe)
		} else {
			a.Value = v
		}
	default:
		a.Value = v
	}
	return a
}
