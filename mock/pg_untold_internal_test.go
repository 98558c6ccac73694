package mock

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// With --store, a trade's transaction and its notification's insert are
// two statements. A replica that dies between them (simulated by a trade
// observer that drops the event: the notification is never made) leaves
// the event's untold mark, written in the trade's transaction; another
// replica's sweep takes marks older than their grace (shortened here)
// and makes the notification once, from the trade as the event left it.

// sharedReplica starts a replica on the database at url whose sweep
// retells marks older than grace, with a client for its gateway.
func sharedReplica(t *testing.T, url string, grace time.Duration, drop trade.EventType) (*Server, *client.Client, string) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 4}))
	was := untoldGrace
	untoldGrace = grace // read by New (runShared), in this goroutine
	// FundPublicKey: the dev app's transfers and red packets are these
	// tests' material, not their subject.
	s, err := New(Options{Store: url, Clock: clock.NewManual(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), Logger: quiet, FundPublicKey: true})
	untoldGrace = was
	if err != nil {
		t.Fatal(err)
	}
	if drop != "" {
		// The replica dies between the trade's transaction and the
		// notification's insert: the event is never told.
		s.Trades.ObserveStored(func(tr trade.Trade, e trade.Event) error {
			if e.Type == drop {
				return nil
			}
			return s.tradeEvent(tr, e)
		}, s.tellsTrade)
	}
	h := httptest.NewServer(s)
	t.Cleanup(func() { h.Close(); _ = s.Close() })
	cfg := s.DevClientConfig()
	cfg.GatewayURL = h.URL + GatewayPath
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, c, h.URL
}

// sharedStore is the test database (its URL and a connection) and a
// merchant that answers every notification "success".
func sharedStore(t *testing.T) (url string, conn *pgx.Conn, merchant *httptest.Server) {
	t.Helper()
	url = pgtest.URL(t)
	conn = pgtest.Conn(t, url)
	merchant = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("success")) }))
	t.Cleanup(merchant.Close)
	return url, conn, merchant
}

// stored are the notifications the database (conn) holds for out_trade_no, in
// the order they were written, and the number of untold marks.
func stored(t *testing.T, conn *pgx.Conn, out string) ([]notify.Notification, int) {
	t.Helper()
	ctx := context.Background()
	var marks int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM alipay_mock_untold`).Scan(&marks); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, `SELECT data FROM alipay_mock_notifications ORDER BY updated`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ns []notify.Notification
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			t.Fatal(err)
		}
		n, err := notify.Unmarshal(data)
		if err != nil {
			t.Fatal(err)
		}
		if n.OutTradeNo == out {
			ns = append(ns, n)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ns, marks
}

// waitStored waits (a minute at most) until the database holds no untold
// mark and want notifications of out_trade_no.
func waitStored(t *testing.T, conn *pgx.Conn, out string, want int) []notify.Notification {
	t.Helper()
	var ns []notify.Notification
	var marks int
	waitAMinute(t, func() bool {
		ns, marks = stored(t, conn, out)
		return marks == 0 && len(ns) >= want
	}, func() string {
		return fmt.Sprintf("%d notifications of %s, %d marks; want %d and none", len(ns), out, marks, want)
	})
	return ns
}

// waitAMinute polls cond (the database is written by other goroutines)
// until it holds, or fails the test after a minute with state's account.
func waitAMinute(t *testing.T, cond func() bool, state func() string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute: %s", state())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func payShared(t *testing.T, c *client.Client, out, notifyURL string) {
	t.Helper()
	if _, err := c.Pay(context.Background(), client.PayRequest{Order: client.Order{OutTradeNo: out,
		TotalAmount: amount.MustParse("10.00"), Subject: "died"}, Scene: "bar_code", AuthCode: "283912345678901234"},
		client.WithNotifyURL(notifyURL)); err != nil {
		t.Fatal(err)
	}
}

func TestSharedPaymentIsNotifiedAfterItsReplicaDiedBeforeTheNotification(t *testing.T) {
	url, conn, merchant := sharedStore(t)

	s1, c1, _ := sharedReplica(t, url, time.Hour, trade.EventPaid)
	payShared(t, c1, "DIED-PAID", merchant.URL+"/notify")
	if ns, marks := stored(t, conn, "DIED-PAID"); len(ns) != 0 || marks != 1 {
		t.Fatalf("the dead replica left %d notifications and %d marks, want none and 1", len(ns), marks)
	}
	_ = s1.Close()

	_, c2, _ := sharedReplica(t, url, 0, "")
	ns := waitStored(t, conn, "DIED-PAID", 1)
	q, err := c2.Query(context.Background(), client.QueryRequest{OutTradeNo: "DIED-PAID"})
	if err != nil || q.TradeStatus != client.TradeSuccess {
		t.Fatalf("the trade: %+v %v", q, err)
	}
	if len(ns) != 1 {
		t.Fatalf("%d notifications of the payment, want 1: %+v", len(ns), ns)
	}
	if n := ns[0]; n.Event != string(trade.EventPaid) || n.TradeStatus != string(client.TradeSuccess) ||
		n.URL != merchant.URL+"/notify" || n.Params["trade_no"] != q.TradeNo {
		t.Fatalf("the notification told by the other replica: %+v", n)
	}
	// A third replica's sweep finds nothing left to tell.
	sharedReplica(t, url, 0, "")
	if ns, marks := stored(t, conn, "DIED-PAID"); len(ns) != 1 || marks != 0 {
		t.Fatalf("after a third start: %d notifications, %d marks; want 1 and none", len(ns), marks)
	}
}

func TestSharedRefundIsNotifiedAfterItsReplicaDiedBeforeTheNotification(t *testing.T) {
	url, conn, merchant := sharedStore(t)

	// Its own sweep on at once: a notification stored with its trade
	// leaves no mark to tell twice.
	s1, c1, _ := sharedReplica(t, url, 0, trade.EventRefunded)
	payShared(t, c1, "DIED-REFUND", merchant.URL+"/notify")
	if ns, marks := stored(t, conn, "DIED-REFUND"); len(ns) != 1 || marks != 0 {
		t.Fatalf("a payment notified: %d notifications and %d marks, want 1 and none", len(ns), marks)
	}
	if _, err := c1.Refund(context.Background(), client.RefundRequest{OutTradeNo: "DIED-REFUND",
		RefundAmount: amount.MustParse("3.00"), OutRequestNo: "R1"}); err != nil {
		t.Fatal(err)
	}
	_ = s1.Close()

	sharedReplica(t, url, 0, "")
	ns := waitStored(t, conn, "DIED-REFUND", 2)
	if len(ns) != 2 || ns[0].Event != string(trade.EventPaid) || ns[1].Event != string(trade.EventRefunded) {
		t.Fatalf("%d notifications %+v, want the payment's and the refund's", len(ns), ns)
	}
	if p := ns[1].Params; p["refund_fee"] != "3.00" || p["out_biz_no"] != "R1" || p["trade_status"] != string(client.TradeSuccess) {
		t.Fatalf("the refund's notification told by the other replica: %v", p)
	}
}

func TestSharedResetAndClearDeleteUntoldMarks(t *testing.T) {
	url := pgtest.URL(t)
	conn := pgtest.Conn(t, url)
	_, c1, base := sharedReplica(t, url, time.Hour, trade.EventPaid)
	for i, path := range []string{"/_mock/reset", "/_mock/notifications"} {
		payShared(t, c1, fmt.Sprintf("MARKED%d", i), "http://127.0.0.1:1/notify")
		if _, marks := stored(t, conn, ""); marks != 1 {
			t.Fatalf("%d marks after the payment, want 1", marks)
		}
		method := http.MethodPost
		if path == "/_mock/notifications" {
			method = http.MethodDelete
		}
		req, err := http.NewRequest(method, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("%s %s: %s", method, path, resp.Status)
		}
		if _, marks := stored(t, conn, ""); marks != 0 {
			t.Fatalf("%s %s left %d marks", method, path, marks)
		}
	}
}

func TestSharedRedPacketPaymentIsNotifiedAfterItsReplicaDiedBeforeTheNotification(t *testing.T) {
	url, conn, merchant := sharedStore(t)

	s1, c1, _ := sharedReplica(t, url, time.Hour, "")
	s1.Coupons.ObserveStored(func(o coupon.Order, e coupon.Event) error {
		if e.Type == coupon.EventPaid {
			return nil // the replica dies before the notification
		}
		return s1.couponEvent(o, e)
	}, s1.Notifier.NotifiesCoupon)
	if _, err := c1.CouponAgreementPay(context.Background(), client.CouponAgreementPayRequest{CouponOrder: client.CouponOrder{
		OutOrderNo: "DIED-RP", OutRequestNo: "DIED-RP-pay", OrderTitle: "红包", Amount: amount.MustParse("10.00")},
		PayerUserID: "2088102000000001"}, client.WithNotifyURL(merchant.URL+"/notify")); err != nil {
		t.Fatal(err)
	}
	if ns, marks := stored(t, conn, "DIED-RP"); len(ns) != 0 || marks != 1 {
		t.Fatalf("the dead replica left %d notifications and %d marks, want none and 1", len(ns), marks)
	}
	_ = s1.Close()

	sharedReplica(t, url, 0, "")
	ns := waitStored(t, conn, "DIED-RP", 1)
	if len(ns) != 1 || ns[0].Event != coupon.EventPaid || ns[0].Params["notify_type"] != "fund_auth_freeze" ||
		ns[0].URL != merchant.URL+"/notify" {
		t.Fatalf("the red packet's notifications %+v, want its payment's", ns)
	}
}
