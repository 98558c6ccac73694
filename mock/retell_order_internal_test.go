package mock

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/store"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// A red packet's payment lost in a crash between its two commits is
// notified at the next start; when the mock clock passed the packet's
// automatic refund while it was down (a running clock reads on across a
// restart), the retold fund_auth_freeze still tells the payment as it
// was (rest_amount the whole amount, nothing unfrozen) and comes before
// the automatic refund's fund_auth_unfreeze.
func TestRedPacketRetoldAfterAutoRefundTellsThePayment(t *testing.T) {
	d := newRestartDir(t, "fail", nil)
	s1, c1, stop1 := d.start()
	crashAtCoupon(s1, coupon.EventPaid)
	_, perr := c1.CouponAgreementPay(context.Background(), client.CouponAgreementPayRequest{CouponOrder: client.CouponOrder{
		OutOrderNo: "RVD-RP", OutRequestNo: "RVD-RP-pay", OrderTitle: "红包", Amount: amount.MustParse("10.00")},
		PayerUserID: "2088102000000001"}, d.notifyURL())
	wantResultUnknown(t, perr, "the red packet")
	stop1()
	d.downUntil(d.at.Add(72 * time.Hour)) // down for three days: the clock reads on

	s2, _, _ := d.start()
	ns := s2.Notifier.Outbox().List(notify.Filter{OutTradeNo: "RVD-RP"})
	for _, n := range ns {
		t.Logf("%s %s notify_type=%s rest_amount=%s total_unfreeze_amount=%s", n.ID, n.Event, n.Params["notify_type"], n.Params["rest_amount"], n.Params["total_unfreeze_amount"])
	}
	if len(ns) != 2 {
		t.Fatalf("%d notifications, want the payment's and the automatic refund's", len(ns))
	}
	if p := ns[0].Params; p["notify_type"] != "fund_auth_freeze" || p["rest_amount"] != "10.00" || p["total_unfreeze_amount"] != "0.00" {
		t.Fatalf("first notification %s: notify_type=%s rest_amount=%s total_unfreeze_amount=%s; want the payment's fund_auth_freeze, rest 10.00, nothing unfrozen",
			ns[0].ID, p["notify_type"], p["rest_amount"], p["total_unfreeze_amount"])
	}
}

// The same for a trade: a payment lost in a crash is retold at start
// before the TRADE_FINISHED that its refund window, ended while the mock
// was down, makes (one key: the merchant is told them in that order).
func TestPaymentRetoldAfterRefundWindowComesBeforeFinished(t *testing.T) {
	d := newRestartDir(t, "fail", func(o *Options) { o.Notify.Finished = notify.Always })
	s1, c1, stop1 := d.start()
	crashAtTrade(s1, trade.EventPaid)
	_, perr := c1.Pay(context.Background(), client.PayRequest{Order: client.Order{OutTradeNo: "RVD-FIN",
		TotalAmount: amount.MustParse("9.99"), Subject: "crash"}, Scene: "bar_code", AuthCode: "283912345678901234"}, d.notifyURL())
	wantResultUnknown(t, perr, "the payment")
	stop1()
	d.downUntil(d.at.Add(366 * 24 * time.Hour))

	s2, _, _ := d.start()
	ns := s2.Notifier.Outbox().List(notify.Filter{OutTradeNo: "RVD-FIN"})
	for _, n := range ns {
		t.Logf("%s %s trade_status=%s", n.ID, n.Event, n.TradeStatus)
	}
	if len(ns) != 2 || ns[0].TradeStatus != string(client.TradeSuccess) || ns[1].TradeStatus != "TRADE_FINISHED" {
		t.Fatalf("notifications after the restart, in order: want TRADE_SUCCESS then TRADE_FINISHED")
	}
}

// Two refunds of one trade committed in one batch (concurrent requests
// share a group commit) and a crash before either notification was
// stored leave two marks, events 9 and 10; they are retold in the order
// they happened, although untold/APP/NO/10 sorts before untold/APP/NO/9.
func TestRetoldRefundsKeepTheirOrderPastNineEvents(t *testing.T) {
	d := newRestartDir(t, "fail", nil)
	s1, c1, stop1 := d.start()
	ctx := context.Background()
	if _, err := c1.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "RVD-ORDER",
		TotalAmount: amount.MustParse("10.00"), Subject: "s"}, Scene: "bar_code", AuthCode: "283912345678901234"}, d.notifyURL()); err != nil {
		t.Fatal(err)
	}
	for i := 1; ; i++ {
		tr, err := s1.Trades.Get(keysDevAppID(s1), "RVD-ORDER")
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.History) >= 11 {
			break
		}
		if _, err := c1.Refund(ctx, client.RefundRequest{OutTradeNo: "RVD-ORDER", RefundAmount: amount.MustParse("0.10"),
			OutRequestNo: "R" + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	stop1()

	// The data directory as that crash leaves it: the trade with the
	// marks of its events 9 and 10 (two refunds), their notifications not
	// stored.
	db, err := store.Open(d.dir)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := db.Trades()
	if err != nil || len(ts) != 1 {
		t.Fatal(len(ts), err)
	}
	tr := ts[0]
	if tr.History[9].Type != trade.EventRefunded || tr.History[10].Type != trade.EventRefunded {
		t.Fatalf("events 9 and 10: %+v %+v", tr.History[9], tr.History[10])
	}
	if err := db.PutTrades(ts, trade.Untold{AppID: tr.AppID, TradeNo: tr.TradeNo, Event: 9},
		trade.Untold{AppID: tr.AppID, TradeNo: tr.TradeNo, Event: 10})(); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteNotifications("", nil, 0); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()

	s2, _, _ := d.start()
	ns := s2.Notifier.Outbox().List(notify.Filter{OutTradeNo: "RVD-ORDER"})
	for _, n := range ns {
		t.Logf("%s %s out_biz_no=%s refund_fee=%s", n.ID, n.Event, n.Params["out_biz_no"], n.Params["refund_fee"])
	}
	if len(ns) != 2 || ns[0].Params["refund_fee"] >= ns[1].Params["refund_fee"] {
		t.Fatalf("the two refunds retold out of order (want the earlier refund, smaller refund_fee, first)")
	}
}

func keysDevAppID(s *Server) string { return s.DevClientConfig().AppID }
