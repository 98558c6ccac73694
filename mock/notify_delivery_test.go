package mock_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// An answer cut short (HTTP 200, Content-Length 100, the connection closed
// after the 7 bytes "success") counts as delivered: Post ignores the
// body's read error (io.ErrUnexpectedEOF), and its own doc counts a cut
// answer as none (Answer.Err: "refused, timed out, cut"); the docs say
// only the exact body success counts, and a timeout is a failure (a body
// that stops and times out is treated the same way).
func TestAnswerCutShortAfterSuccessIsNotDelivered(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: text/plain\r\n\r\nsuccess")
		_ = buf.Flush()
		_ = conn.Close()
	}))
	defer merchant.Close()
	m.Post(m.Params("alipay.trade.pay", `{"out_trade_no":"CUT-ANSWER","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = merchant.URL + "/n" }))
	n := m.WaitAttempts("CUT-ANSWER", 1)
	if a := n.Attempts[0]; a.OK || a.Error == "" {
		t.Fatalf("the cut answer's attempt: ok %v, error %q; want a failed attempt that says why", a.OK, a.Error)
	}
	if n.State == notify.Delivered {
		a := n.Attempts[0]
		t.Fatalf("an answer cut after 7 of its 100 bytes was taken as delivered: status %d, response %q, error %q, ok %v",
			a.Status, a.Response, a.Error, a.OK)
	}
}
