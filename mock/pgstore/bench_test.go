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
// all of it shares this machine's cores. postgres-1-journal-per-replica
// keeps the journal in memory (journal.Options.PerReplica): against
// postgres-1 it is the cost of the shared journal. Report ratios from one
// run (-count N runs the four side by side N times):
//
//	PG_TESTS=required go test ./mock/pgstore -run '^$' -bench Replicas -benchtime 4000x
func BenchmarkReplicas(b *testing.B) {
	for _, method := range []string{"precreate", "query"} {
		for _, c := range []struct {
			name       string
			replicas   int
			pg         bool
			perReplica bool // the journal in memory, not shared
		}{{"memory", 1, false, false}, {"postgres-1", 1, true, false}, {"postgres-1-journal-per-replica", 1, true, true},
			{"postgres-2", 2, true, false}} {
			b.Run(method+"/"+c.name, func(b *testing.B) { benchReplicas(b, method, c.replicas, c.pg, c.perReplica) })
		}
	}
}

func benchReplicas(b *testing.B, method string, n int, pg, perReplica bool) {
	opts := mock.Options{TimestampTolerance: -1}
	opts.Journal.PerReplica = perReplica
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
	b.ResetTimer()
	pgCPU := func() time.Duration { // the memory runs have no server to count
		if !pg {
			return 0
		}
		return pgtest.ServerCPU()
	}
	// The server's CPU is read outside the measured time and this process's
	// CPU: reading it (every /proc entry) takes a few milliseconds.
	pg0 := pgCPU()
	cpu0 := selfCPU()
	start := time.Now()
	failed := postAll(b, forms, func(i int) string { return rs[i%n].URL })
	el := time.Since(start)
	cpu, pgc := selfCPU()-cpu0, pgCPU()-pg0
	b.StopTimer()
	b.ReportMetric(float64((cpu+pgc).Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64(b.N)/el.Seconds(), "req/s")
	b.ReportMetric(float64(pgstore.ReadBatches())/float64(b.N), "batches/op")
	// CPU time per request moves less than throughput on a shared machine:
	// this process (mocks and the load's client) and PostgreSQL's.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "mock-cpu-µs/req")
	b.ReportMetric(float64(pgc.Microseconds())/float64(b.N), "pg-cpu-µs/req")
	if failed > 0 {
		b.Fatalf("%d of %d requests failed", failed, b.N)
	}
}

// selfCPU is the CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// postAll posts every signed form to the gateway at url(i) from 16
// clients at once and counts the answers that are not code 10000.
func postAll(b *testing.B, forms []string, url func(i int) string) int64 {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(forms) {
					return
				}
				resp, err := hc.Post(url(i)+"/gateway.do", "application/x-www-form-urlencoded", strings.NewReader(forms[i]))
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
	return failed.Load()
}
