package mock_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
)

// The memory ceiling of docs/limits.md, measured. Run each alone,
// so the process's peak RSS is the benchmark's own:
//
//	go test ./mock -run '^$' -bench 'CeilingBadSignatures' -benchtime 1x
//	go test ./mock -run '^$' -bench 'CeilingRefusedNotifications' -benchtime 1x
//
// They use only HTTP and mock.Start, so the same file runs against an
// older mock for a before/after comparison (docs/limits.md has both).
// Nothing here asserts a number; the metrics are read off the output.

// liveHeap is the bytes of live heap objects after a collection.
func liveHeap() float64 {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return float64(s[0].Value.Uint64())
}

// procStatus reads VmRSS and VmHWM (peak RSS) of this process, in bytes;
// zero where /proc is not there.
func procStatus() (rss, peak float64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		switch k {
		case "VmRSS":
			rss = n * 1024
		case "VmHWM":
			peak = n * 1024
		}
	}
	return rss, peak
}

const mb = 1 << 20

// bodySize GETs a URL and returns how many bytes the answer had.
func bodySize(b *testing.B, u string) float64 {
	b.Helper()
	resp, err := http.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	return float64(n)
}

// BenchmarkCeilingBadSignatures: 400 requests, each a 1 MiB form whose
// biz_content fills it, with a signature that does not verify (every
// fourth from an unknown app_id instead), against a default mock.
func BenchmarkCeilingBadSignatures(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		heap0 := liveHeap()
		rss0, _ := procStatus()
		srv, err := mock.Start(mock.Options{Addr: "127.0.0.1:0", Clock: clock.NewManual(epoch), Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		form := func(app string) []byte {
			v := url.Values{"app_id": {app}, "method": {"alipay.trade.precreate"}, "charset": {"utf-8"}, "sign_type": {"RSA2"},
				"timestamp": {timestamp.Format(epoch)}, "version": {"1.0"}, "sign": {"c2lnbmF0dXJl"}}
			pad := (1 << 20) - len(v.Encode()) - 64
			v.Set("biz_content", `{"out_trade_no":"`+strings.Repeat("A", pad)+`"}`)
			return []byte(v.Encode())
		}
		bad, unknown := form(keys.DevAppID), form("2021999999999999")
		b.StartTimer()
		var wg sync.WaitGroup
		var next atomic.Int64
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := next.Add(1); n <= 400; n = next.Add(1) {
					body := bad
					if n%4 == 0 {
						body = unknown
					}
					resp, err := http.Post(srv.GatewayURL(), "application/x-www-form-urlencoded", bytes.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
		}
		wg.Wait()
		b.StopTimer()
		answer := bodySize(b, srv.URL()+"/_mock/journal?limit=1000")
		heap1 := liveHeap()
		rss1, peak := procStatus()
		runtime.KeepAlive(srv)
		b.ReportMetric((heap1-heap0)/mb, "heap-MB-kept")
		b.ReportMetric(rss0/mb, "rss-MB-before")
		b.ReportMetric(rss1/mb, "rss-MB-after")
		b.ReportMetric(peak/mb, "rss-MB-peak")
		b.ReportMetric(answer/mb, "journal-answer-MB")
		_ = srv.Close()
	}
}

// BenchmarkCeilingRefusedNotifications: 50,000 barcode payments whose
// notify_url refuses connections, then 25 h of retries (8 attempts each)
// by one advance of the clock, against a default mock.
func BenchmarkCeilingRefusedNotifications(b *testing.B) {
	const trades = 50000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		heap0 := liveHeap()
		srv, err := mock.Start(mock.Options{Addr: "127.0.0.1:0", Clock: clock.NewManual(epoch), Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		c, err := client.New(srv.DevClientConfig())
		if err != nil {
			b.Fatal(err)
		}
		refused := refusedURLFor(b)
		b.StartTimer()
		var wg sync.WaitGroup
		var next atomic.Int64
		for w := 0; w < runtime.GOMAXPROCS(0)*2; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := next.Add(1); n <= trades; n = next.Add(1) {
					_, err := c.Pay(context.Background(), client.PayRequest{Order: client.Order{OutTradeNo: fmt.Sprintf("N%06d", n),
						TotalAmount: amount.MustParse("1.00"), Subject: "ceiling"}, AuthCode: "283912345678901234"}, client.WithNotifyURL(refused))
					if err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		b.StopTimer()
		heapPaid := liveHeap()
		rssPaid, _ := procStatus()
		b.StartTimer()
		resp, err := http.Post(srv.URL()+"/_mock/clock/advance", "application/json", strings.NewReader(`{"by":"25h"}`))
		if err != nil {
			b.Fatal(err)
		}
		advanceAnswer, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		b.StopTimer()
		listAnswer := bodySize(b, srv.URL()+"/_mock/notifications")
		heapAfter := liveHeap()
		rssAfter, peak := procStatus()
		runtime.KeepAlive(srv)
		b.ReportMetric((heapPaid-heap0)/mb, "heap-MB-paid")
		b.ReportMetric((heapAfter-heap0)/mb, "heap-MB-after-25h")
		b.ReportMetric(rssPaid/mb, "rss-MB-paid")
		b.ReportMetric(rssAfter/mb, "rss-MB-after-25h")
		b.ReportMetric(peak/mb, "rss-MB-peak")
		b.ReportMetric(float64(advanceAnswer)/mb, "advance-answer-MB")
		b.ReportMetric(listAnswer/mb, "notifications-answer-MB")
		_ = srv.Close()
	}
}

// refusedURLFor is a loopback URL nothing listens on.
func refusedURLFor(b *testing.B) string {
	b.Helper()
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/notify"
}
