package mock_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/domain"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// BenchmarkNotify25h: 10,000 paid trades whose notify_url always fails;
// advancing the clock 25 h must make all 80,000 attempts. Run with
//
//	go test ./mock -run '^$' -bench Notify25h -benchtime 1x
func BenchmarkNotify25h(b *testing.B) {
	const trades = 10000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		var hits atomic.Int64
		failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			_, _ = io.Copy(io.Discard, r.Body)
			_, _ = io.WriteString(w, "fail")
		}))
		srv, err := mock.New(mock.Options{Clock: clock.NewManual(epoch), Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		app, _ := srv.Apps.Get(keys.DevAppID)
		m := domain.Merchant{AppID: app.AppID, Seller: app.Seller}
		ctx := domain.Context{NotifyURL: failing.URL, Charset: "utf-8", SignType: "RSA2"}
		for n := 0; n < trades; n++ {
			o := trade.Order{OutTradeNo: fmt.Sprintf("B%05d", n), TotalAmount: amount.MustParse("1.00"), Subject: "s"}
			t, err := srv.Trades.Cashier(m, o, ctx, "alipay.trade.page.pay")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := srv.Trades.Act(app.AppID, t.TradeNo, trade.ActPay, nil); err != nil {
				b.Fatal(err)
			}
		}
		srv.Sched.RunDue() // first attempts, due now
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		start := time.Now()
		srv.Sched.Advance(25 * time.Hour)
		wall := time.Since(start)
		b.StopTimer()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if got := hits.Load(); got != trades*8 {
			b.Fatalf("attempts: %d, want %d", got, trades*8)
		}
		b.ReportMetric(float64(trades*7)/wall.Seconds(), "retries/s")
		b.ReportMetric(float64(after.HeapAlloc)/trades, "heap-B/notification")
		srv.Close()
		failing.Close()
	}
}
