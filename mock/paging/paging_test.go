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
