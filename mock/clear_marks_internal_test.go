package mock

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/store"
)

// unstoredNotifications fails every write of one out_trade_no's
// notifications (a store whose writes of them fail).
type unstoredNotifications struct {
	*store.DB
	outTradeNo string
}

func (f unstoredNotifications) PutNotification(n notify.Notification) func() error {
	if n.OutTradeNo == f.outTradeNo {
		return func() error { return errors.New("not stored (simulated)") }
	}
	return f.DB.PutNotification(n)
}

// A notification whose write never landed keeps its event's untold mark
// on disk; DELETE /_mock/notifications (all of them, or the app's) deletes
// the mark with the notifications, so the next start does not notify the
// merchant again of a payment whose notifications were cleared.
func TestClearedNotificationIsNotMadeAgainAtStart(t *testing.T) {
	for _, query := range []string{"", "?app_id=APP"} {
		t.Run("DELETE /_mock/notifications"+query, func(t *testing.T) {
			d := newRestartDir(t, "fail", nil)
			s1, c1, stop1 := d.start()
			s1.Notifier.Outbox().Persist(unstoredNotifications{s1.db, "CLR-1"})
			_, perr := c1.Pay(context.Background(), client.PayRequest{Order: client.Order{OutTradeNo: "CLR-1",
				TotalAmount: amount.MustParse("9.99"), Subject: "s"}, Scene: "bar_code", AuthCode: "283912345678901234"},
				d.notifyURL())
			wantResultUnknown(t, perr, "the payment")
			q := query
			if q != "" {
				q = "?app_id=" + keysDevAppID(s1)
			}
			req, _ := http.NewRequest(http.MethodDelete, d.url+"/_mock/notifications"+q, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("DELETE /_mock/notifications%s: HTTP %d", q, resp.StatusCode)
			}
			if ns := s1.Notifier.Outbox().List(notify.Filter{OutTradeNo: "CLR-1"}); len(ns) != 0 {
				t.Fatalf("after the clear: %d notifications", len(ns))
			}
			stop1()

			s2, _, _ := d.start()
			ns := s2.Notifier.Outbox().List(notify.Filter{OutTradeNo: "CLR-1"})
			for _, n := range ns {
				t.Logf("%s %s notify_id=%s", n.ID, n.Event, n.NotifyID)
			}
			if len(ns) != 0 {
				t.Fatalf("after the restart %d notifications of the payment whose notifications were cleared, want none", len(ns))
			}
		})
	}
}
