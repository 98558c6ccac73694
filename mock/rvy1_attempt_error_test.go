package mock_test

import (
	"net"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// An earlier attempt's error text is now cut to notify.EarlierResponse
// (64) bytes, like its answer. But Go's error for a failed POST starts
// with `Post "<notify_url>": `, so those 64 bytes are the URL and the
// cause (connection refused, a timeout, a TLS failure) is cut off on every
// attempt but the last: GET /_mock/notifications and the dashboard show
// what went wrong only for the latest one. The cut meant to bound a 64 KiB
// quoted status line takes the reason from a ~90-byte ordinary error.
func TestRvy1EarlierAttemptErrorKeepsItsCause(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String() + "/alipay/notify"
	l.Close() // nothing listens: every attempt is refused
	payNotifying(t, m, "RVY1-ERR", url)
	m.Advance("4m")
	m.WaitAttempts("RVY1-ERR", 2)
	n := onlyNotification(t, m, "RVY1-ERR")
	if len(n.Attempts) != 2 {
		t.Fatalf("%d attempts, want 2", len(n.Attempts))
	}
	last, first := n.Attempts[1].Error, n.Attempts[0].Error
	if !strings.Contains(last, "refused") {
		t.Fatalf("the latest attempt's error %q names no refusal", last)
	}
	if !strings.Contains(first, "refused") {
		t.Errorf("the first attempt's error is %q: its cause (%q in the latest) is cut off", first, last)
	}
}
