package mock_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// TestAnswerHeaders: every gateway.do answer carries a trace_id of 32
// lowercase hex digits, a new one each answer, and says its charset in
// Content-Type: the request's (utf-8, or GBK however the request spelt
// it), utf-8 when it named none it knows.
func TestAnswerHeaders(t *testing.T) {
	h := newHarness(t, mock.Options{})
	hexID := regexp.MustCompile(`^[0-9a-f]{32}$`)
	seen := map[string]bool{}
	for _, tc := range []struct {
		charset, want string
		gbk           bool
	}{
		{"utf-8", "text/html;charset=utf-8", false},
		{"UTF-8", "text/html;charset=utf-8", false},
		{"gbk", "text/html;charset=GBK", true},
		{"GB2312", "text/html;charset=GBK", true},
		{"latin1", "text/html;charset=utf-8", false}, // refused: 40002 isv.invalid-charset
	} {
		p := h.params("alipay.trade.query", `{"out_trade_no":"HDR1"}`, func(p map[string]string) { p["charset"] = tc.charset })
		body := form(p).Encode()
		if tc.gbk {
			body = string(gbkForm(t, p))
		}
		resp, _ := h.fetch(http.MethodPost, h.http.URL+mock.GatewayPath, formCT, body)
		if ct := resp.Header.Get("Content-Type"); ct != tc.want {
			t.Errorf("charset %s: Content-Type %q, want %q", tc.charset, ct, tc.want)
		}
		id := resp.Header.Get("trace_id")
		if !hexID.MatchString(id) || seen[id] {
			t.Errorf("charset %s: trace_id %q: not 32 hex digits, or repeated", tc.charset, id)
		}
		seen[id] = true
		if got := resp.Header.Values("Trace_id"); len(got) != 1 {
			t.Errorf("charset %s: trace_id sent %d times", tc.charset, len(got))
		}
	}
}

// TestConcurrentAnswersKeepTheirOwnBytes: answers are laid out in pooled
// buffers, so answers made at once (run with -race), of different
// lengths, must each be whole, signed over their own node and about their
// own trade, also after their buffers were reused.
func TestConcurrentAnswersKeepTheirOwnBytes(t *testing.T) {
	h := newHarness(t, mock.Options{NoMagicAmounts: true})
	const n = 40
	out := func(i int) string { return fmt.Sprintf("OWN-%d-%s", i, strings.Repeat("x", i)) }
	for round := range 2 {
		rs := h.concurrently(n, "alipay.trade.precreate", func(i int) string {
			return fmt.Sprintf(`{"out_trade_no":%q,"total_amount":"1.00","subject":"s"}`, out(i)+strconv.Itoa(round))
		})
		for i, r := range rs {
			if r["code"] != "10000" || r["out_trade_no"] != out(i)+strconv.Itoa(round) {
				t.Errorf("round %d, precreate %d: answered %v", round, i, r)
			}
		}
	}
}
