package mock

import (
	"context"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// A payment's change and its notification are two commits: the trade's
// (with a mark that its event is still untold), then the notification's
// (which clears the mark). A crash between the two (simulated by closing
// the data file exactly there, once the trade is on disk) fails the
// notification's write, so the payment is answered 20000 (result
// unknown), and the next start finds the mark and makes the notification:
// the merchant is told, at least once, as production would tell it. A
// start after that makes no second one.
func TestPaymentIsNotifiedAfterACrashBetweenItsTwoCommits(t *testing.T) {
	d := newRestartDir(t, "fail", nil)
	s1, c1, stop1 := d.start()
	crashAtTrade(s1, trade.EventPaid)
	_, perr := c1.Pay(context.Background(), client.PayRequest{Order: client.Order{OutTradeNo: "CRASH-PAID",
		TotalAmount: amount.MustParse("9.99"), Subject: "crash"}, Scene: "bar_code", AuthCode: "283912345678901234"}, d.notifyURL())
	wantResultUnknown(t, perr, "the payment")
	stop1()

	s2, c2, stop2 := d.start()
	q, err := c2.Query(context.Background(), client.QueryRequest{OutTradeNo: "CRASH-PAID"})
	if err != nil || q.TradeStatus != client.TradeSuccess {
		t.Fatalf("the trade after the crash: %+v %v (the scenario needs it paid)", q, err)
	}
	ns := s2.Notifier.Outbox().List(notify.Filter{OutTradeNo: "CRASH-PAID"})
	if len(ns) != 1 {
		t.Fatalf("trade %s is TRADE_SUCCESS after the restart with %d notifications, want 1", q.TradeNo, len(ns))
	}
	if n := ns[0]; n.Event != string(trade.EventPaid) || n.TradeStatus != string(client.TradeSuccess) || n.State != notify.Pending ||
		n.URL != d.merchant.URL+"/notify" || n.Params["trade_no"] != q.TradeNo {
		t.Fatalf("the notification made again: %+v", n)
	}
	stop2()

	s3, _, _ := d.start()
	if ns := s3.Notifier.Outbox().List(notify.Filter{OutTradeNo: "CRASH-PAID"}); len(ns) != 1 {
		t.Fatalf("a third start holds %d notifications of the payment, want the 1 made again", len(ns))
	}
}

// The same for a refund: the notification made again at start tells that
// refund (its refund_fee and out_biz_no), to the trade's notify_url.
func TestRefundIsNotifiedAfterACrashBetweenItsTwoCommits(t *testing.T) {
	d := newRestartDir(t, "fail", nil)
	ctx := context.Background()
	s1, c1, stop1 := d.start()
	crashAtTrade(s1, trade.EventRefunded)
	if _, err := c1.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "CRASH-REFUND",
		TotalAmount: amount.MustParse("10.00"), Subject: "crash"}, Scene: "bar_code", AuthCode: "283912345678901234"}, d.notifyURL()); err != nil {
		t.Fatal(err)
	}
	_, rerr := c1.Refund(ctx, client.RefundRequest{OutTradeNo: "CRASH-REFUND", RefundAmount: amount.MustParse("3.00"), OutRequestNo: "R1"})
	wantResultUnknown(t, rerr, "the refund")
	stop1()

	s2, _, _ := d.start()
	ns := s2.Notifier.Outbox().List(notify.Filter{OutTradeNo: "CRASH-REFUND"})
	if len(ns) != 2 || ns[0].Event != string(trade.EventPaid) || ns[1].Event != string(trade.EventRefunded) {
		t.Fatalf("after the restart: %d notifications %+v, want the payment's and the refund's", len(ns), ns)
	}
	if p := ns[1].Params; p["refund_fee"] != "3.00" || p["out_biz_no"] != "R1" || p["trade_status"] != string(client.TradeSuccess) ||
		ns[1].URL != d.merchant.URL+"/notify" {
		t.Fatalf("the refund's notification made again: %s %v", ns[1].URL, p)
	}
}

// The same for a red packet's payment (alipay.fund.coupon.order.agreement.pay):
// its fund notification is made at the next start.
func TestRedPacketPaymentIsNotifiedAfterACrashBetweenItsTwoCommits(t *testing.T) {
	d := newRestartDir(t, "fail", nil)
	s1, c1, stop1 := d.start()
	crashAtCoupon(s1, coupon.EventPaid)
	_, perr := c1.CouponAgreementPay(context.Background(), client.CouponAgreementPayRequest{CouponOrder: client.CouponOrder{
		OutOrderNo: "CRASH-RP", OutRequestNo: "CRASH-RP-pay", OrderTitle: "红包", Amount: amount.MustParse("10.00")},
		PayerUserID: "2088102000000001"}, d.notifyURL())
	wantResultUnknown(t, perr, "the red packet")
	stop1()

	s2, _, _ := d.start()
	rps, err := s2.Coupons.List("")
	if err != nil {
		t.Fatal(err)
	}
	if len(rps) != 1 || rps[0].OutOrderNo != "CRASH-RP" {
		t.Fatalf("red packets after the restart: %+v", rps)
	}
	ns := s2.Notifier.Outbox().List(notify.Filter{OutTradeNo: "CRASH-RP"})
	if len(ns) != 1 || ns[0].Event != coupon.EventPaid || ns[0].TradeNo != rps[0].AuthNo || ns[0].Params["notify_type"] != "fund_auth_freeze" ||
		ns[0].URL != d.merchant.URL+"/notify" || ns[0].State != notify.Pending {
		t.Fatalf("red packet %s after the restart has notifications %+v, want its payment's", rps[0].AuthNo, ns)
	}
}
