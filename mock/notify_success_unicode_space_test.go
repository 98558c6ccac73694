package mock_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// docs/differences.md grounds the white-space rule on Java's String.trim()
// (a byte order mark stays, as trim leaves it): trim takes only U+0000 to
// U+0020, so a no-break space, an ideographic (full-width) space or a NEL
// around success is not white space Alipay's side removes either. Go's
// strings.TrimSpace takes them, so the mock counts them delivered.
func TestUnicodeSpaceAroundSuccessIsNotSuccess(t *testing.T) {
	h := newHarness(t, mock.Options{})
	for i, answer := range []string{
		"\u00a0success", // NBSP (an HTML page's &nbsp; saved as UTF-8)
		"success\u3000", // ideographic space (a Chinese IME's full-width space)
		"\u0085success", // NEL
		"success\u2028", // line separator
	} {
		m := newMerchant(t, answer)
		out := "RV4U" + string(rune('A'+i))
		h.payWithNotify(out, "1.00", m.URL)
		n := h.m().WaitAttempts(out, 1)
		if n.State != notify.Pending {
			t.Errorf("answer %q: %s after attempt %d, want %s (Java's trim leaves it)", answer, n.State, len(n.Attempts), notify.Pending)
		}
	}
}
