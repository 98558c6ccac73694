package mock

import (
	"context"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// A payment whose notification was lost in a crash is told at the next
// start (docs/persistence.md). The notification made then is planned at
// the event's time, not the start's: after the mock was down 3 hours its
// first attempt carries a notify_time 3 hours old ("通知的发送时间" is the
// time it is sent), and, the merchant failing, the retries planned from
// that old time (4m, 10m, 10m, 1h later) are all already due, so five
// attempts burst out at once and the schedule is spent in milliseconds.
// A stored pending notification is not treated so (notify.Restorer: "an
// attempt that was due while the mock was down runs at once", one attempt
// at the start's time, the schedule running on from there).
func TestRetoldNotificationStartsItsScheduleAtTheStart(t *testing.T) {
	d := newRestartDir(t, "fail", nil)
	s1, c1, stop1 := d.start()
	crashAtTrade(s1, trade.EventPaid)
	_, perr := c1.Pay(context.Background(), client.PayRequest{Order: client.Order{OutTradeNo: "NT-RETELL",
		TotalAmount: amount.MustParse("9.99"), Subject: "crash"}, Scene: "bar_code", AuthCode: "283912345678901234"}, d.notifyURL())
	wantResultUnknown(t, perr, "the payment")
	stop1()
	restart := d.at.Add(3 * time.Hour)
	d.downUntil(restart)

	s2, _, _ := d.start()
	s2.Sched.RunDue()
	ns := s2.Notifier.Outbox().List(notify.Filter{OutTradeNo: "NT-RETELL"})
	if len(ns) != 1 {
		t.Fatalf("%d notifications after the restart, want 1", len(ns))
	}
	n := ns[0]
	for _, a := range n.Attempts {
		t.Logf("attempt %d at %s notify_time=%s status=%d", a.N, timestamp.Format(a.At), a.NotifyTime, a.Status)
	}
	if len(n.Attempts) != 1 {
		t.Errorf("%d attempts made at the restart (a failing merchant), want 1: the retries were planned from the event's time, 3 h before", len(n.Attempts))
	}
	if len(n.Attempts) > 0 && n.Attempts[0].NotifyTime != timestamp.Format(restart) {
		t.Errorf("first attempt's notify_time %s, want the time it was sent, %s", n.Attempts[0].NotifyTime, timestamp.Format(restart))
	}
}

// The same without any crash: a red packet's automatic refund (48 h after
// payment, notified by default) that fell due while the mock was down is
// made at the next start at its own time, so its fund_auth_unfreeze
// notification's attempts are planned from that past time: 3 days down
// (the refund due a day before the start), a failing merchant gets 7 of
// the 8 attempts at once, their notify_times spread over the day it was
// down, and one attempt is left.
func TestEventDueWhileDownIsNotifiedFromTheStart(t *testing.T) {
	d := newRestartDir(t, "fail", nil)
	_, c1, stop1 := d.start()
	if _, err := c1.CouponAgreementPay(context.Background(), client.CouponAgreementPayRequest{CouponOrder: client.CouponOrder{
		OutOrderNo: "NT-DOWN", OutRequestNo: "NT-DOWN-pay", OrderTitle: "红包", Amount: amount.MustParse("10.00")},
		PayerUserID: "2088102000000001"}, d.notifyURL()); err != nil {
		t.Fatal(err)
	}
	stop1()
	restart := d.at.Add(72 * time.Hour)
	d.downUntil(restart)

	s2, _, _ := d.start()
	s2.Sched.RunDue()
	for _, n := range s2.Notifier.Outbox().List(notify.Filter{OutTradeNo: "NT-DOWN"}) {
		if n.Params["notify_type"] != "fund_auth_unfreeze" {
			continue
		}
		t.Logf("%s state=%s attempts=%d", n.ID, n.State, len(n.Attempts))
		if n.State == notify.GivenUp || len(n.Attempts) != 1 {
			t.Fatalf("the automatic refund's notification: %d attempts at the start, state %s; want 1 attempt, still pending", len(n.Attempts), n.State)
		}
		return
	}
	t.Fatal("no fund_auth_unfreeze notification for the automatic refund")
}
