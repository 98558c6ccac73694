package mock

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/clock"
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
	dir := t.TempDir()
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 4}))
	merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("fail")) }))
	defer merchant.Close()

	s1, err := New(Options{DataDir: dir, Seed: 1, Clock: clock.NewManual(at), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	// The crash point: the book has synced the trade and is about to tell
	// its observer (mock/trade/book.go commitAck: wait(), then obs).
	s1.Trades.ObserveStored(func(tr trade.Trade, e trade.Event) error {
		if e.Type == trade.EventPaid {
			once.Do(func() { _ = s1.db.Close() })
		}
		return s1.tradeEvent(tr, e)
	}, s1.notifiesTrade)
	h1 := httptest.NewServer(s1)
	cfg := s1.DevClientConfig()
	cfg.GatewayURL = h1.URL + GatewayPath
	c1, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p1, perr := c1.Pay(context.Background(), client.PayRequest{Order: client.Order{OutTradeNo: "CRASH-PAID",
		TotalAmount: amount.MustParse("9.99"), Subject: "crash"}, Scene: "bar_code", AuthCode: "283912345678901234"},
		client.WithNotifyURL(merchant.URL+"/notify"))
	var aerr *client.Error
	if !errors.As(perr, &aerr) || aerr.Code != "20000" {
		t.Fatalf("the payment whose notification was not stored was answered %+v %v, want 20000", p1, perr)
	}
	h1.Close()
	_ = s1.Close()

	s2, err := New(Options{DataDir: dir, Seed: 1, Clock: clock.NewManual(at), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	h2 := httptest.NewServer(s2)
	cfg = s2.DevClientConfig()
	cfg.GatewayURL = h2.URL + GatewayPath
	c2, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	q, err := c2.Query(context.Background(), client.QueryRequest{OutTradeNo: "CRASH-PAID"})
	if err != nil || q.TradeStatus != client.TradeSuccess {
		t.Fatalf("the trade after the crash: %+v %v (the scenario needs it paid)", q, err)
	}
	ns := s2.Notifier.Outbox().List(notify.Filter{OutTradeNo: "CRASH-PAID"})
	if len(ns) != 1 {
		t.Fatalf("trade %s is TRADE_SUCCESS after the restart with %d notifications, want 1", q.TradeNo, len(ns))
	}
	if n := ns[0]; n.Event != string(trade.EventPaid) || n.TradeStatus != string(client.TradeSuccess) || n.State != notify.Pending ||
		n.URL != merchant.URL+"/notify" || n.Params["trade_no"] != q.TradeNo {
		t.Fatalf("the notification made again: %+v", n)
	}
	h2.Close()
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}

	s3, err := New(Options{DataDir: dir, Seed: 1, Clock: clock.NewManual(at), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()
	if ns := s3.Notifier.Outbox().List(notify.Filter{OutTradeNo: "CRASH-PAID"}); len(ns) != 1 {
		t.Fatalf("a third start holds %d notifications of the payment, want the 1 made again", len(ns))
	}
}

// The same for a refund: the notification made again at start tells that
// refund (its refund_fee and out_biz_no), to the trade's notify_url.
func TestRefundIsNotifiedAfterACrashBetweenItsTwoCommits(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 4}))
	merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("fail")) }))
	defer merchant.Close()
	open := func() (*Server, *client.Client, func()) {
		s, err := New(Options{DataDir: dir, Seed: 1, Clock: clock.NewManual(at), Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		h := httptest.NewServer(s)
		cfg := s.DevClientConfig()
		cfg.GatewayURL = h.URL + GatewayPath
		c, err := client.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return s, c, func() { h.Close(); _ = s.Close() }
	}
	ctx := context.Background()

	s1, c1, close1 := open()
	var once sync.Once
	s1.Trades.ObserveStored(func(tr trade.Trade, e trade.Event) error {
		if e.Type == trade.EventRefunded {
			once.Do(func() { _ = s1.db.Close() })
		}
		return s1.tradeEvent(tr, e)
	}, s1.notifiesTrade)
	if _, err := c1.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "CRASH-REFUND",
		TotalAmount: amount.MustParse("10.00"), Subject: "crash"}, Scene: "bar_code", AuthCode: "283912345678901234"},
		client.WithNotifyURL(merchant.URL+"/notify")); err != nil {
		t.Fatal(err)
	}
	_, rerr := c1.Refund(ctx, client.RefundRequest{OutTradeNo: "CRASH-REFUND", RefundAmount: amount.MustParse("3.00"), OutRequestNo: "R1"})
	var aerr *client.Error
	if !errors.As(rerr, &aerr) || aerr.Code != "20000" {
		t.Fatalf("the refund whose notification was not stored was answered %v, want 20000", rerr)
	}
	close1()

	s2, _, close2 := open()
	defer close2()
	ns := s2.Notifier.Outbox().List(notify.Filter{OutTradeNo: "CRASH-REFUND"})
	if len(ns) != 2 || ns[0].Event != string(trade.EventPaid) || ns[1].Event != string(trade.EventRefunded) {
		t.Fatalf("after the restart: %d notifications %+v, want the payment's and the refund's", len(ns), ns)
	}
	if p := ns[1].Params; p["refund_fee"] != "3.00" || p["out_biz_no"] != "R1" || p["trade_status"] != string(client.TradeSuccess) ||
		ns[1].URL != merchant.URL+"/notify" {
		t.Fatalf("the refund's notification made again: %s %v", ns[1].URL, p)
	}
}

// The same for a red packet's payment (alipay.fund.coupon.order.agreement.pay):
// its fund notification is made at the next start.
func TestRedPacketPaymentIsNotifiedAfterACrashBetweenItsTwoCommits(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 4}))
	merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("fail")) }))
	defer merchant.Close()

	s1, err := New(Options{DataDir: dir, Seed: 1, Clock: clock.NewManual(at), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	s1.Coupons.ObserveStored(func(o coupon.Order, e coupon.Event) error {
		if e.Type == coupon.EventPaid {
			once.Do(func() { _ = s1.db.Close() })
		}
		return s1.couponEvent(o, e)
	}, s1.Notifier.NotifiesCoupon)
	h1 := httptest.NewServer(s1)
	cfg := s1.DevClientConfig()
	cfg.GatewayURL = h1.URL + GatewayPath
	c1, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, perr := c1.CouponAgreementPay(context.Background(), client.CouponAgreementPayRequest{CouponOrder: client.CouponOrder{
		OutOrderNo: "CRASH-RP", OutRequestNo: "CRASH-RP-pay", OrderTitle: "红包", Amount: amount.MustParse("10.00")},
		PayerUserID: "2088102000000001"}, client.WithNotifyURL(merchant.URL+"/notify"))
	var aerr *client.Error
	if !errors.As(perr, &aerr) || aerr.Code != "20000" {
		t.Fatalf("the red packet whose notification was not stored was answered %v, want 20000", perr)
	}
	h1.Close()
	_ = s1.Close()

	s2, err := New(Options{DataDir: dir, Seed: 1, Clock: clock.NewManual(at), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	rps, err := s2.Coupons.List("")
	if err != nil {
		t.Fatal(err)
	}
	if len(rps) != 1 || rps[0].OutOrderNo != "CRASH-RP" {
		t.Fatalf("red packets after the restart: %+v", rps)
	}
	ns := s2.Notifier.Outbox().List(notify.Filter{OutTradeNo: "CRASH-RP"})
	if len(ns) != 1 || ns[0].Event != coupon.EventPaid || ns[0].TradeNo != rps[0].AuthNo || ns[0].Params["notify_type"] != "fund_auth_freeze" ||
		ns[0].URL != merchant.URL+"/notify" || ns[0].State != notify.Pending {
		t.Fatalf("red packet %s after the restart has notifications %+v, want its payment's", rps[0].AuthNo, ns)
	}
}
