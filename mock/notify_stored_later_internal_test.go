package mock

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/store"
)

// flakyOutboxStore fails the first notification write only (a transient
// failure: a full disk freed a moment later), as the store's writer
// would report it, and writes through afterwards.
type flakyOutboxStore struct {
	*store.DB
	failed atomic.Bool
}

func (f *flakyOutboxStore) PutNotification(n notify.Notification) func() error {
	if f.failed.CompareAndSwap(false, true) {
		return func() error { return errors.New("disk full (simulated)") }
	}
	return f.DB.PutNotification(n)
}

// A notification whose first write failed (the payment is answered
// 20000) is still sent from memory, and its next write (its first
// attempt's record) stores it with its event's untold mark cleared, so the
// next start does not make a second notification of the same payment.
func TestNotificationStoredByALaterWriteIsNotMadeAgainAtStart(t *testing.T) {
	d := newRestartDir(t, "fail", nil)
	s1, c1, stop1 := d.start()
	s1.Notifier.Outbox().Persist(&flakyOutboxStore{DB: s1.db})
	_, perr := c1.Pay(context.Background(), client.PayRequest{Order: client.Order{OutTradeNo: "RVD-FLAKY",
		TotalAmount: amount.MustParse("9.99"), Subject: "s"}, Scene: "bar_code", AuthCode: "283912345678901234"}, d.notifyURL())
	wantResultUnknown(t, perr, "the payment")
	// Its first attempt runs (due now) and its record is written.
	s1.Sched.RunDue()
	ns := s1.Notifier.Outbox().List(notify.Filter{OutTradeNo: "RVD-FLAKY"})
	if len(ns) != 1 || len(ns[0].Attempts) == 0 {
		t.Fatalf("before the restart: %+v", ns)
	}
	stop1()

	s2, _, _ := d.start()
	ns = s2.Notifier.Outbox().List(notify.Filter{OutTradeNo: "RVD-FLAKY"})
	for _, n := range ns {
		t.Logf("%s %s notify_id=%s attempts=%d", n.ID, n.Event, n.NotifyID, len(n.Attempts))
	}
	if len(ns) != 1 {
		t.Fatalf("after the restart %d notifications of the one payment, want the stored one", len(ns))
	}
}

// paymentUnstored fails every write of red packets' payment
// notifications, as a store would whose writes of them alone fail.
type paymentUnstored struct{ *store.DB }

func (f paymentUnstored) PutNotification(n notify.Notification) func() error {
	if n.Event == coupon.EventPaid {
		return func() error { return errors.New("not stored (simulated)") }
	}
	return f.DB.PutNotification(n)
}

// A red packet's payment whose notification was never stored, though the
// packet was (answered 20000), is retold at the next start as the payment
// left the packet, although a claim and a refund came after it:
// rest_amount the whole amount, nothing unfrozen or paid out
// (coupon.Order.AsOf).
func TestRedPacketPaymentRetoldAfterLaterOperationsTellsThePayment(t *testing.T) {
	d := newRestartDir(t, "fail", nil)
	s1, c1, stop1 := d.start()
	s1.Notifier.Outbox().Persist(paymentUnstored{s1.db})
	ctx := context.Background()
	_, perr := c1.CouponAgreementPay(ctx, client.CouponAgreementPayRequest{CouponOrder: client.CouponOrder{
		OutOrderNo: "ASOF-RP", OutRequestNo: "ASOF-RP-pay", OrderTitle: "红包", Amount: amount.MustParse("10.00")},
		PayerUserID: "2088102000000001"}, d.notifyURL())
	wantResultUnknown(t, perr, "the red packet")
	o, err := s1.Coupons.Get(keysDevAppID(s1), "ASOF-RP")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c1.CouponDisburse(ctx, client.CouponDisburseRequest{OutOrderNo: "ASOF-CLAIM", OutRequestNo: "ASOF-CLAIM-1",
		DeductAuthNo: o.AuthNo, Amount: amount.MustParse("2.00"), PayeeUserID: "2088102000000002"}, d.notifyURL()); err != nil {
		t.Fatal(err)
	}
	if _, err := c1.CouponRefund(ctx, client.CouponRefundRequest{AuthNo: o.AuthNo, OutRequestNo: "ASOF-REFUND-1",
		Amount: amount.MustParse("3.00")}, d.notifyURL()); err != nil {
		t.Fatal(err)
	}
	stop1()

	s2, _, _ := d.start()
	freeze := redPacketNotices(t, s2, "ASOF-RP", "fund_auth_freeze")
	if len(freeze) != 1 {
		t.Fatalf("%d payment notifications after the restart, want the one retold", len(freeze))
	}
	if p := freeze[0].Params; p["rest_amount"] != "10.00" || p["total_unfreeze_amount"] != "0.00" || p["total_pay_amount"] != "0.00" {
		t.Fatalf("retold payment: rest_amount=%s total_unfreeze_amount=%s total_pay_amount=%s; want 10.00, 0.00, 0.00",
			p["rest_amount"], p["total_unfreeze_amount"], p["total_pay_amount"])
	}
}

// tradeUnstored fails every write of the notifications of one
// out_trade_no, as a store would whose writes of them alone fail.
type tradeUnstored struct {
	*store.DB
	out string
}

func (f tradeUnstored) PutNotification(n notify.Notification) func() error {
	if n.OutTradeNo == f.out {
		return func() error { return errors.New("not stored (simulated)") }
	}
	return f.DB.PutNotification(n)
}

// A notification none of whose writes landed, delivered and then evicted
// past the outbox's bound, takes its event's untold mark with it: the next
// start does not make it again.
func TestEvictedNotificationTakesItsUntoldMark(t *testing.T) {
	d := newRestartDir(t, "success", func(o *Options) { o.Notify.Keep = 1 })
	s1, c1, stop1 := d.start()
	s1.Notifier.Outbox().Persist(tradeUnstored{s1.db, "EVICT-0"})
	for i := 0; i < 3; i++ {
		_, err := c1.Pay(context.Background(), client.PayRequest{Order: client.Order{OutTradeNo: "EVICT-" + strconv.Itoa(i),
			TotalAmount: amount.MustParse("9.99"), Subject: "s"}, Scene: "bar_code", AuthCode: "283912345678901234"},
			d.notifyURL())
		if i == 0 {
			wantResultUnknown(t, err, "the first payment")
		} else if err != nil {
			t.Fatal(err)
		}
		s1.Sched.RunDue() // delivered: final, and the older ones evicted
	}
	if ns := s1.Notifier.Outbox().List(notify.Filter{OutTradeNo: "EVICT-0"}); len(ns) != 0 {
		t.Fatalf("EVICT-0's notification not evicted: %+v", ns)
	}
	stop1()
	s2, _, _ := d.start()
	if ns := s2.Notifier.Outbox().List(notify.Filter{OutTradeNo: "EVICT-0"}); len(ns) != 0 {
		t.Fatalf("after the restart EVICT-0's evicted payment was notified again: %s %s", ns[0].ID, ns[0].State)
	}
}

// redPacketNotices is the notifications of type notifyType s holds for
// the red packet out (each logged, with its amounts).
func redPacketNotices(t *testing.T, s *Server, out, notifyType string) []notify.Notification {
	t.Helper()
	var got []notify.Notification
	for _, n := range s.Notifier.Outbox().List(notify.Filter{OutTradeNo: out}) {
		t.Logf("%s %s notify_type=%s rest_amount=%s total_unfreeze_amount=%s total_pay_amount=%s", n.ID, n.Event,
			n.Params["notify_type"], n.Params["rest_amount"], n.Params["total_unfreeze_amount"], n.Params["total_pay_amount"])
		if n.Params["notify_type"] == notifyType {
			got = append(got, n)
		}
	}
	return got
}
