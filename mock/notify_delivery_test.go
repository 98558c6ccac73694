package mock_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// POST /_mock/notifications/{id}/resend while that notification's attempt
// is in flight makes an attempt of its own ("deliver again now",
// docs/clock-and-notifications.md): the attempt in flight, superseded,
// is kept in the history but plans nothing, and does not count in the
// resend's round.
func TestResendDuringAnAttemptMakesItsOwnAttempt(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	got := make(chan struct{}, 8)
	release := make(chan struct{})
	var calls atomic.Int32
	merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		if calls.Add(1) == 1 {
			got <- struct{}{}
			<-release // the first attempt stays in flight until released
		}
		_, _ = w.Write([]byte("fail"))
	}))
	defer merchant.Close()
	defer close(release) // a failed test still lets the first attempt end

	m.Post(m.Params("alipay.trade.pay", `{"out_trade_no":"RESEND-INFLIGHT","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = merchant.URL + "/n" }))
	select {
	case <-got: // attempt 1 is in flight (the scheduler's loop runs it)
	case <-time.After(mocktest.Timeout):
		t.Fatal("no first attempt")
	}
	ob := m.Srv.Notifier.Outbox()
	id := ob.List(notify.Filter{OutTradeNo: "RESEND-INFLIGHT"})[0].ID
	resendAt := m.Clock.Now().Add(time.Minute)
	m.Clock.Set(resendAt) // so the resend's plan is visible as next_attempt

	answered := make(chan notify.Notification, 1)
	go func() {
		var n notify.Notification
		m.ControlJSON(http.MethodPost, "/notifications/"+id+"/resend", nil, http.StatusOK, &n)
		answered <- n
	}()
	ctx, cancel := context.WithTimeout(context.Background(), mocktest.Timeout)
	defer cancel()
	if !ob.WaitFunc(ctx, func() bool {
		n, _ := ob.Get(id)
		return n.NextAttempt != nil && n.NextAttempt.Equal(resendAt)
	}) {
		t.Fatal("the resend never planned its attempt")
	}
	release <- struct{}{} // attempt 1 answers "fail"
	var n notify.Notification
	select {
	case n = <-answered:
	case <-time.After(mocktest.Timeout):
		t.Fatal("resend did not answer")
	}
	if len(n.Attempts) != 2 || !n.Attempts[1].At.Equal(resendAt) {
		t.Fatalf("resend answered with %d attempt(s), state %s, next attempt %v: the resend's own attempt was dropped",
			len(n.Attempts), n.State, n.NextAttempt)
	}
	// The attempt in flight is not counted in the resend's round: its own
	// failure is the round's first, retried 4m later.
	if want := resendAt.Add(notify.DefaultSchedule[0]); n.State != notify.Pending || n.NextAttempt == nil || !n.NextAttempt.Equal(want) {
		t.Fatalf("after the resend's failed attempt: state %s, next attempt %v, want pending at %v", n.State, n.NextAttempt, want)
	}
	if got := calls.Load(); got != 2 {
		t.Fatalf("the merchant was called %d times, want 2", got)
	}
}

// An answer cut short (HTTP 200, Content-Length 100, the connection closed
// after the 7 bytes "success") is no answer (Answer.Err: "cut"): only the
// whole body success counts, as a timeout is a failure.
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
