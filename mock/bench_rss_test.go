package mock_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// BenchmarkMemoryPaidNotified: RSS per paid trade with its delivered
// notification, at 1,000,000 of them (MEMORY_TRADES overrides). Run it
// alone, so the process's RSS is the mock's:
//
//	go test ./mock -run '^$' -bench MemoryPaidNotified -benchtime 1x -timeout 30m
//
// The trades are made in process (mocktest.FillTrades: precreate, then
// the buyer pays). One notification is delivered for real (signed, POSTed,
// answered "success"); the others are copies of it, each with its own
// trade's numbers, notify_id, notify_time and signature, put in through
// the notifier's Restore (a million RSA signatures would take a quarter
// of an hour). Metrics, each per trade:
//
//   - rss-B/trade: RSS grown, read after a collection has returned free
//     memory to the OS (debug.FreeOSMemory): what the state itself holds;
//   - peak-rss-B/trade: the peak RSS grown while filling (VmHWM), with the
//     collector's headroom;
//   - heap-B/trade: live heap objects grown.
func BenchmarkMemoryPaidNotified(b *testing.B) {
	n := 1000000
	if s := os.Getenv("MEMORY_TRADES"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			b.Fatalf("MEMORY_TRADES: %q", s)
		}
		n = v
	}
	// The binary's collector target (mock.SetGCTarget), as main sets it.
	prev := debug.SetGCPercent(-1)
	debug.SetGCPercent(prev)
	defer debug.SetGCPercent(prev)
	b.ReportMetric(float64(mock.SetGCTarget()), "gogc")
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			_, _ = io.WriteString(w, "success")
		}))
		srv, err := mock.New(mock.Options{Clock: clock.NewManual(epoch), Seed: 1,
			Trades: trade.Options{Keep: -1}, Notify: notify.Options{Keep: -1}})
		if err != nil {
			b.Fatal(err)
		}
		tmpl := deliverOne(b, srv, hook.URL+"/notify")
		debug.FreeOSMemory()
		heap0 := liveHeap()
		rss0, _ := procStatus()
		b.StartTimer()

		addNotified(b, srv, tmpl, "M", n)

		b.StopTimer()
		if got := srv.Notifier.Outbox().Len(); got != n+1 {
			b.Fatalf("notifications: %d, want %d", got, n+1)
		}
		if c, _ := srv.Trades.Counts(); c[trade.Success] != n+1 {
			b.Fatalf("paid trades: %v, want %d", c, n+1)
		}
		_, peak := procStatus()
		debug.FreeOSMemory()
		heap1 := liveHeap()
		rss1, _ := procStatus()
		if f := os.Getenv("MEMORY_PROFILE"); f != "" { // a heap profile with the state alive
			out, err := os.Create(f)
			if err != nil {
				b.Fatal(err)
			}
			_ = pprof.WriteHeapProfile(out)
			out.Close()
		}
		runtime.KeepAlive(srv)
		b.ReportMetric((rss1-rss0)/float64(n), "rss-B/trade")
		b.ReportMetric((peak-rss0)/float64(n), "peak-rss-B/trade")
		b.ReportMetric((heap1-heap0)/float64(n), "heap-B/trade")
		b.ReportMetric(rss1/mb, "rss-MB")
		_ = srv.Close()
		hook.Close()
	}
}

// copyNotification is the delivered notification tmpl (as the outbox
// lists it) for trade t: its numbers, a notify_id, notify_time and sign of
// its own (the same lengths), as its own delivery would have left them;
// the strings every notification shares (kind, event, state, URL, charset,
// "success") shared as the notifier shares them.
func copyNotification(b *testing.B, tmpl notify.Notification, t trade.Trade, id int) notify.Notification {
	c := tmpl
	c.ID = fmt.Sprintf("ntf_%06d", id)
	c.AppID, c.OutTradeNo, c.TradeNo = t.AppID, t.OutTradeNo, t.TradeNo
	nid := fmt.Sprintf("%s%0*d", tmpl.NotifyID[:len(tmpl.NotifyID)-10], 10, id)
	sig := []byte(tmpl.Params["sign"])
	copy(sig, fmt.Sprintf("%08d", id))
	p := make(map[string]string, len(tmpl.Params))
	for k, v := range tmpl.Params {
		p[k] = v
	}
	p["notify_id"], p["trade_no"], p["out_trade_no"] = nid, t.TradeNo, t.OutTradeNo
	p["sign"], p["notify_time"] = string(sig), strings.Clone(tmpl.Params["notify_time"])
	c.NotifyID, c.Params = nid, p
	a := tmpl.Attempts[0]
	a.Body, a.Sign, a.NotifyTime = "", p["sign"], p["notify_time"]
	c.Attempts = []notify.Attempt{a}
	var err error
	if c.Body, err = sign.EncodeForm(p, sign.Charset(c.Charset)); err != nil {
		b.Fatal(err)
	}
	return c
}
