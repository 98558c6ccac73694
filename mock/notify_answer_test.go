package mock_test

import (
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// Alipay's own notify_url demos for Java answer from a JSP page whose page
// directives each leave a line break before the body and whose answer is
// out.println("success") (the legacy alipay_notify.jsp, copied in
// wb670/stonelab cow/docs/alipay/demo/WebRoot/alipay_notify.jsp; the
// page-pay demo's notify_url.jsp, copied in lemonchanning/waiversystem
// src/main/webapp/WEB-INF/views/notify_pay.jsp): the body is
// "\r\n…success\r\n". Production must take it (inferred). Anything else
// around success stays a failure: a UTF-8 byte order mark is not white
// space, nor is HTML, and success spelt otherwise is not success.
func TestSuccessAnswerMayHaveWhiteSpaceAroundIt(t *testing.T) {
	h := newHarness(t, mock.Options{})
	for i, c := range []struct {
		answer string
		want   notify.State
	}{
		{"\r\n\r\n\r\nsuccess\r\n", notify.Delivered},
		{" \tsuccess\n", notify.Delivered},
		{"\xEF\xBB\xBFsuccess", notify.Pending},
		{"\xEF\xBB\xBF\r\nsuccess\r\n", notify.Pending},
		{"<html>success</html>", notify.Pending},
		{"SUCCESS\n", notify.Pending},
		{"success.", notify.Pending},
		{"success" + strings.Repeat(" ", 2000), notify.Pending}, // longer than the 1 KiB kept
	} {
		m := newMerchant(t, c.answer)
		out := "ANS" + string(rune('A'+i))
		h.payWithNotify(out, "1.00", m.URL)
		n := h.m().WaitAttempts(out, 1)
		if n.State != c.want {
			t.Errorf("answer %q: %s after attempt %d, want %s", c.answer, n.State, len(n.Attempts), c.want)
		}
	}
}
