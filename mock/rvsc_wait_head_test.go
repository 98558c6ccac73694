package mock_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A negative long-poll wait "is a 400 naming wait"
// (docs/clock-and-notifications.md): GET says so, HEAD of the same URL
// answers 200, as if the wait were fine (a HEAD is a GET without its body,
// same status: RFC 9110 9.3.2).
func TestRvscHeadWithANegativeWaitIs200WhereGetIs400(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	for _, w := range []string{"-5s", "-5", "banana"} {
		get, err := http.Get(m.URL + "/_mock/notifications?wait=" + w)
		if err != nil {
			t.Fatal(err)
		}
		get.Body.Close()
		head, err := http.Head(m.URL + "/_mock/notifications?wait=" + w)
		if err != nil {
			t.Fatal(err)
		}
		head.Body.Close()
		if get.StatusCode != head.StatusCode {
			t.Errorf("wait=%s: GET %d, HEAD %d; want the same status", w, get.StatusCode, head.StatusCode)
		}
	}
}
