package pgstore_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
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
	pgPort := ""
	if u, err := neturl.Parse(opts.Store); err == nil {
		pgPort = u.Port()
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
	start := time.Now()
	cpu0, pg0 := selfCPU(), pgCPU(pgPort)
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
	cpu, pgc := selfCPU()-cpu0, pgCPU(pgPort)-pg0
	b.StopTimer()
	b.ReportMetric(float64(b.N)/el.Seconds(), "req/s")
	// CPU time per request moves less than throughput on a shared machine:
	// this process (mocks and the load's client) and PostgreSQL's.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "mock-cpu-µs/req")
	b.ReportMetric(float64(pgc.Microseconds())/float64(b.N), "pg-cpu-µs/req")
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d requests failed", f, b.N)
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

// pgCPU is the CPU time used by the PostgreSQL server listening on port
// and its live children (the backends of this run's connections), read
// from /proc (Linux); 0 when there is none.
func pgCPU(port string) time.Duration {
	if port == "" {
		return 0
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	type proc struct{ ppid, ticks int64 }
	procs := map[int64]proc{}
	var master int64
	for _, d := range dirs {
		pid, _ := strconv.ParseInt(filepath.Base(d), 10, 64)
		stat, err := os.ReadFile(d + "/stat")
		if err != nil {
			continue
		}
		// After the command's closing parenthesis: state, ppid, … utime (14), stime (15).
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) < 13 {
			continue
		}
		ppid, _ := strconv.ParseInt(f[1], 10, 64)
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		procs[pid] = proc{ppid, ut + st}
		if cmd, err := os.ReadFile(d + "/cmdline"); err == nil && bytes.Contains(cmd, []byte("postgres")) &&
			bytes.Contains(cmd, []byte("-p\x00"+port+"\x00")) {
			master = pid
		}
	}
	if master == 0 {
		return 0
	}
	var ticks int64
	for pid, p := range procs {
		if pid == master || p.ppid == master {
			ticks += p.ticks
		}
	}
	return time.Duration(ticks) * (time.Second / 100) // USER_HZ
}
