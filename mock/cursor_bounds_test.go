package mock_test

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// A cursor naming a position past math.MaxInt64 was never given out (the
// journal reads positions as int, the database as int64): it is refused as
// made up (400, docs/limits.md), not wrapped negative into the first page
// again, which a client following it would read forever.
func TestCursorPastMaxInt64IsRefused(t *testing.T) {
	h := newHarness(t, mock.Options{})
	h.call("alipay.trade.precreate", `{"out_trade_no":"CUR-1","total_amount":"1.00","subject":"x"}`)
	for _, list := range []string{"trades", "red-packets", "transfers", "notifications", "journal", "app-auth-tokens"} {
		for _, pos := range []uint64{1 << 63, 1<<64 - 1} {
			cur := base64.RawURLEncoding.EncodeToString([]byte(list + ":" + strconv.FormatUint(pos, 10)))
			status, body, _ := h.do(request{path: "/_mock/" + list + "?cursor=" + cur})
			if status != http.StatusBadRequest {
				t.Errorf("GET /_mock/%s?cursor=<%s:%d>: HTTP %d %.300s, want 400", list, list, pos, status, body)
			}
		}
	}
}

// A cursor or limit that does not unescape (cursor=%zz) is refused (400)
// like any made-up one, by every list and dashboard page that pages:
// net/url dropped such a pair, so it read as absent and answered 200 with
// the first page.
func TestCursorThatDoesNotUnescapeIsRefused(t *testing.T) {
	h := newHarness(t, mock.Options{})
	h.call("alipay.trade.precreate", `{"out_trade_no":"CUR-2","total_amount":"1.00","subject":"x"}`)
	var paths []string
	for _, list := range []string{"trades", "red-packets", "transfers", "notifications", "journal", "app-auth-tokens"} {
		paths = append(paths, "/_mock/"+list)
	}
	for _, page := range []string{"trades", "red-packets", "transfers", "notifications", "journal"} {
		paths = append(paths, "/_mock/ui/"+page)
	}
	for _, p := range paths {
		if status, body, _ := h.do(request{path: p + "?limit=1"}); status != http.StatusOK {
			t.Errorf("GET %s?limit=1: HTTP %d %.300s", p, status, body)
		}
		for _, q := range []string{"cursor=%zz", "limit=5&cursor=a%", "limit=%zz", "cursor=" + base64.RawURLEncoding.EncodeToString([]byte("trades:1")) + ";x"} {
			if status, body, _ := h.do(request{path: p + "?" + q}); status != http.StatusBadRequest {
				t.Errorf("GET %s?%s: HTTP %d %.300s, want 400", p, q, status, body)
			}
		}
	}
}
