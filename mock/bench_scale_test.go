package mock_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// BenchmarkScale: the same four requests against a mock holding 1,000 and
// 1,000,000 paid trades (put in process by mocktest.FillTrades), in one
// run. Nothing on a request path may grow with what is stored; the
// vs_smallest metric of each request at the larger size is its CPU time
// per op (cpu-ns/op: the process's user and system time, the collector's
// included, so other processes on the cores do not skew it) over the same
// request's at the smallest size (target: below 1.2).
//
//	go test ./mock -run '^$' -bench Scale -benchtime 2s -timeout 30m
//
// SCALE_SIZES=1000,100000 picks other sizes (the first is the base).
//
//   - query: a signed alipay.trade.query of one stored trade, answered the
//     same every time (the signature cache spares the RSA signature, so the
//     lookup and the pipeline are what is timed);
//   - precreate: a signed precreate of a new out_trade_no (one RSA
//     signature each, signed before the timer starts);
//   - lookup: GET /_mock/trades/<out_trade_no> without app_id;
//   - overview: GET /_mock/ui, the dashboard's counts.
func BenchmarkScale(b *testing.B) {
	// The binary's collector target (mock.SetGCTarget), as main sets it.
	prev := debug.SetGCPercent(-1)
	debug.SetGCPercent(prev)
	defer debug.SetGCPercent(prev)
	gogc := mock.SetGCTarget()
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
	base := map[string]float64{} // CPU ns/op at the first size
	for si, size := range sizes {
		srv, err := mock.New(mock.Options{Clock: clock.NewManual(epoch), Seed: 1, Trades: trade.Options{Keep: -1}})
		if err != nil {
			b.Fatal(err)
		}
		mocktest.FillTrades(b, srv, "S", size, "")
		stored := fmt.Sprintf("S%09d", size/2)
		query := signedForm(b, "alipay.trade.query", `{"out_trade_no":"`+stored+`"}`)
		serve(b, srv, query)
		runtime.GC()
		run := func(name string, f func(b *testing.B)) {
			b.Run(fmt.Sprintf("stored=%d/%s", size, name), func(b *testing.B) {
				runtime.GC()
				b.ResetTimer()
				offCPU = 0
				cpu0 := int64(cpuTime())
				f(b)
				cpu := float64(int64(cpuTime())-cpu0-offCPU) / float64(b.N)
				b.StopTimer()
				b.ReportMetric(cpu, "cpu-ns/op")
				b.ReportMetric(float64(gogc), "gogc")
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
		benchRound++
		prefix := fmt.Sprintf("P%d-", benchRound)
		run("precreate", func(b *testing.B) {
			b.StopTimer()
			c0 := int64(cpuTime())
			forms := precreateForms(b, fmt.Sprintf("%s%d-", prefix, b.N), b.N)
			offCPU += int64(cpuTime()) - c0 // signing the requests is the client's work
			b.StartTimer()
			for i := 0; i < b.N; i++ {
				serve(b, srv, forms[i])
			}
		})
		run("lookup", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				getLocal(b, srv, "/_mock/trades/"+stored)
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

// offCPU is CPU time a sub-benchmark spent off the clock (preparing).
var offCPU int64

// cpuTime is the CPU time this process has used (user and system, the
// collector's included), in nanoseconds: unlike wall time, it does not
// grow when other processes share the cores.

// getLocal GETs a control API or dashboard path in process, as a loopback
// client; anything but 200 stops the benchmark.
func getLocal(b *testing.B, srv *mock.Server, path string) {
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080"+path, nil)
	req.RemoteAddr = "127.0.0.1:40000"
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("GET %s: HTTP %d: %.300s", path, w.Code, w.Body.String())
	}
}
