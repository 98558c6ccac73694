package mock_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// docs/clock-and-notifications.md: wait (a duration such as 10s, or whole
// seconds) "is at most 60 s: a longer one waits 60 s". A duration past what
// time.Duration holds (3000000h) or whole seconds past an int are 400
// instead, while 99999999999999999 seconds waits 60 s: the cap depends on
// how the long wait is spelt. The notification is there, so a capped
// poll answers at once.
func TestRvx1LongPollAnyLongerWaitIsCapped(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	merchant := mocktest.NewMerchant(t, "success")
	m.Post(m.Params("alipay.trade.pay", `{"out_trade_no":"RVX1-WAIT","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = merchant.URL }))
	m.WaitNotifications(notify.Filter{OutTradeNo: "RVX1-WAIT"}, 1)
	for _, w := range []string{"99999999999999999", "3000000h", "99999999999999999999"} {
		resp, err := http.Get(m.URL + "/_mock/notifications?out_trade_no=RVX1-WAIT&wait=" + w)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("wait=%s: HTTP %d %s, want 200 (a longer wait waits 60 s)", w, resp.StatusCode, b)
		}
	}
}
