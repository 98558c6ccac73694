package pgstore_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// BenchmarkReplicas measures gateway throughput in memory, on PostgreSQL
// with one replica, and with two replicas on one database, clients spread
// round-robin: unique precreates (each a new trade: a transaction with an
// insert) and queries of one trade (a read). Requests are signed before
// the timer starts, so only the mocks' (and the database's) work counts;
// all of it shares this machine's cores. cpu-µs/op is the CPU of this
// process (mocks and client) and of the PostgreSQL server per request,
// which moves less than wall time when the machine is shared. Report
// ratios from one run:
//
//	PG_TESTS=required go test ./mock/pgstore -run '^$' -bench Replicas -benchtime 4000x
func BenchmarkReplicas(b *testing.B) {
	for _, method := range []string{"precreate", "query"} {
		for _, c := range []struct {
			name     string
			replicas int
			pg       bool
		}{{"memory", 1, false}, {"postgres-1", 1, true}, {"postgres-2", 2, true}} {
			b.Run(method+"/"+c.name, func(b *testing.B) { benchReplicas(b, method, c.replicas, c.pg) })
		}
	}
}

// processCPU is the CPU time this process (the mocks and the benchmark's
// client) has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchReplicas(b *testing.B, method string, n int, pg bool) {
	opts := mock.Options{TimestampTolerance: -1}
	if pg {
		opts.Store = pgURL(b)
	}
	rs := make([]*mocktest.Mock, n)
	for i := range rs {
		rs[i] = mocktest.New(b, opts)
	}
	run := fmt.Sprintf("B%d", time.Now().UnixNano())
	forms := make([]string, b.N)
	var one string
	if method == "query" {
		rs[0].Call("alipay.trade.pay", `{"out_trade_no":"`+run+`","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`)
		one = mocktest.Form(rs[0].Params("alipay.trade.query", `{"out_trade_no":"`+run+`"}`, nil)).Encode()
	}
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < b.N; i += 2 {
				if one != "" {
					forms[i] = one
					continue
				}
				forms[i] = mocktest.Form(rs[0].Params("alipay.trade.precreate",
					fmt.Sprintf(`{"out_trade_no":"%s-%d","total_amount":"1.00","subject":"s"}`, run, i), nil)).Encode()
			}
		}(w)
	}
	wg.Wait()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var next, failed atomic.Int64
	b.ResetTimer()
	cpu0 := processCPU() + pgtest.ServerCPU()
	start := time.Now()
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				resp, err := hc.Post(rs[i%n].URL+"/gateway.do", "application/x-www-form-urlencoded", strings.NewReader(forms[i]))
				if err != nil {
					failed.Add(1)
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if !bytes.Contains(body, []byte(`"code":"10000"`)) {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	cpu := processCPU() + pgtest.ServerCPU() - cpu0
	b.StopTimer()
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64(b.N)/el.Seconds(), "req/s")
	b.ReportMetric(float64(pgstore.ReadBatches())/float64(b.N), "batches/op")
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d requests failed", f, b.N)
	}
}
