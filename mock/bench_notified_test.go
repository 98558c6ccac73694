package mock_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// BenchmarkStoredNotifications is BenchmarkScale with a delivered notification
// kept for every paid trade (filled as BenchmarkMemoryPaidNotified fills
// them), so what the outbox keeps weighs on the collector and its reads:
// 1,000 and 1,000,000 of each in one run, vs_smallest the CPU time per op
// at the larger size over the smallest's.
//
//	go test ./mock -run '^$' -bench StoredNotifications -benchtime 2s -timeout 60m
//
// SCALE_SIZES picks other sizes (the first is the base).
//
//   - query: a signed alipay.trade.query of one stored trade (as in
//     BenchmarkScale);
//   - notification: GET /_mock/notifications?trade_no=<that trade's>;
//   - page: GET /_mock/notifications?limit=20, the oldest page;
//   - overview: GET /_mock/ui.
func BenchmarkStoredNotifications(b *testing.B) {
	sizes := []int{1000, 1000000}
	if s := os.Getenv("SCALE_SIZES"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				b.Fatalf("SCALE_SIZES: %q", s)
			}
			sizes = append(sizes, n)
		}
	}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "success")
	}))
	defer hook.Close()
	base := map[string]float64{}
	for si, size := range sizes {
		srv, err := mock.New(mock.Options{Clock: clock.NewManual(epoch), Seed: 1,
			Trades: trade.Options{Keep: -1}, Notify: notify.Options{Keep: -1}})
		if err != nil {
			b.Fatal(err)
		}
		fillNotified(b, srv, hook.URL+"/notify", size)
		stored := fmt.Sprintf("N%09d", size/2)
		tr, err := srv.Trades.Get("", stored)
		if err != nil {
			b.Fatalf("trade %s: %v", stored, err)
		}
		query := signedForm(b, "alipay.trade.query", `{"out_trade_no":"`+stored+`"}`)
		serve(b, srv, query)
		runtime.GC()
		run := func(name string, f func(b *testing.B)) {
			b.Run(fmt.Sprintf("stored=%d/%s", size, name), func(b *testing.B) {
				runtime.GC()
				b.ResetTimer()
				cpu0 := int64(cpuTime())
				f(b)
				cpu := float64(int64(cpuTime())-cpu0) / float64(b.N)
				b.StopTimer()
				b.ReportMetric(cpu, "cpu-ns/op")
				if si == 0 {
					base[name] = cpu
				} else if base[name] > 0 {
					b.ReportMetric(cpu/base[name], "vs_smallest")
				}
			})
		}
		run("query", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				serve(b, srv, query)
			}
		})
		run("notification", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				getLocal(b, srv, "/_mock/notifications?trade_no="+tr.TradeNo)
			}
		})
		run("page", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				getLocal(b, srv, "/_mock/notifications?limit=20")
			}
		})
		run("overview", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				getLocal(b, srv, "/_mock/ui")
			}
		})
		_ = srv.Close()
		runtime.GC()
	}
}

// fillNotified stores n paid trades (prefix N) and a delivered
// notification for each: one delivered for real to notifyURL, the others
// copies of it put in through Restore (copyNotification).
func fillNotified(b *testing.B, srv *mock.Server, notifyURL string, n int) {
	addNotified(b, srv, deliverOne(b, srv, notifyURL), "N", n)
}

// deliverOne makes one paid trade and delivers its notification for real
// to notifyURL (answered "success"); the delivered notification.
func deliverOne(b *testing.B, srv *mock.Server, notifyURL string) notify.Notification {
	mocktest.FillTrades(b, srv, "T", 1, notifyURL)
	srv.Sched.RunDue()
	first := srv.Notifier.Outbox().List(notify.Filter{})
	if len(first) != 1 || first[0].State != notify.Delivered {
		b.Fatalf("the real notification: %+v", first)
	}
	return first[0]
}

// addNotified stores n paid trades (prefix) and, for every stored trade
// but tmpl's, a copy of the delivered notification tmpl.
func addNotified(b *testing.B, srv *mock.Server, tmpl notify.Notification, prefix string, n int) {
	mocktest.FillTrades(b, srv, prefix, n, "")
	var at uint64
	id := 1
	for {
		page, next, _ := srv.Trades.Page(trade.Filter{}, at, 10000, false)
		batch := make([]notify.Notification, 0, len(page))
		for _, t := range page {
			if t.OutTradeNo == tmpl.OutTradeNo {
				continue
			}
			id++
			batch = append(batch, copyNotification(b, tmpl, t, id))
		}
		srv.Notifier.Restore(batch)
		if next == 0 {
			break
		}
		at = next
	}
}
