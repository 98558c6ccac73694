package paging

import (
	"errors"
	"math"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, limit, cursor string
		want                Request
		err                 bool
	}{
		{"defaults", "", "", Request{Limit: Default}, false},
		{"limit 1", "1", "", Request{Limit: 1}, false},
		{"limit max", "1000", "", Request{Limit: Max}, false},
		{"limit 0", "0", "", Request{}, true},
		{"limit over", "1001", "", Request{}, true},
		{"limit negative", "-5", "", Request{}, true},
		{"limit text", "ten", "", Request{}, true},
		{"own cursor", "5", Cursor("trades", 42), Request{Limit: 5, After: 42}, false},
		{"another list's cursor", "", Cursor("journal", 42), Request{}, true},
		{"garbage cursor", "", "%%%", Request{}, true},
		{"zero position", "", Cursor("trades", 0), Request{}, true},
		{"largest position", "", Cursor("trades", math.MaxInt64), Request{Limit: Default, After: math.MaxInt64}, false},
		{"position past MaxInt64", "", Cursor("trades", math.MaxInt64+1), Request{}, true},
		{"largest uint64", "", Cursor("trades", math.MaxUint64), Request{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse("trades", tc.limit, tc.cursor)
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("Parse = %+v, %v; want %+v, error %v", got, err, tc.want, tc.err)
			}
			if tc.name == "limit over" && !errors.Is(err, ErrLimit) {
				t.Errorf("limit error %v does not say the range", err)
			}
		})
	}
}

// A raw query's limit and cursor are read as url.Values.Get reads them, the
// first of each, but a value that does not unescape is refused instead of
// dropped (it read as absent: the first page).
func TestQuery(t *testing.T) {
	own := Cursor("trades", 42)
	for _, tc := range []struct {
		raw  string
		want Request
		err  bool
	}{
		{"", Request{Limit: Default}, false},
		{"app_id=x&limit=5&cursor=" + own, Request{Limit: 5, After: 42}, false},
		{"limit=5&limit=%zz&cursor=" + own + "&cursor=%zz", Request{Limit: 5, After: 42}, false},
		{"app_id=%zz&limit=%35", Request{Limit: 5}, false},
		{"cursor=%zz", Request{}, true},
		{"cursor=" + own + "%", Request{}, true},
		{"cursor=" + own + ";x", Request{}, true},
		{"limit=%zz", Request{}, true},
	} {
		got, err := Query("trades", tc.raw)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("Query(%q) = %+v, %v; want %+v, error %v", tc.raw, got, err, tc.want, tc.err)
		}
	}
}
