package mock_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/domain"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// What --data costs against memory, each pair measured in the same run
// (docs/persistence.md). Run them with
//
//	go test ./mock -run '^$' -bench 'PrecreateData|Notify25hData' -benchtime 1x
//
// ratio_to_memory is read off the output, not enforced (targets: >= 0.9
// for precreates, <= 1.5 for the advance).

// benchClients is how many clients send at once, as cmd/loadtest's -c 16.
const benchClients = 16

// dataServer is benchServer with a data directory.
func dataServer(b *testing.B) *mock.Server {
	b.Helper()
	srv, err := mock.New(mock.Options{Clock: clock.NewManual(epoch), Seed: 1, DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Close() })
	return srv
}

// parallel sends forms to srv from benchClients goroutines.
func parallel(b *testing.B, srv *mock.Server, forms []string) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range benchClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(forms) {
					return
				}
				serve(b, srv, forms[i])
			}
		}()
	}
	wg.Wait()
}

// BenchmarkPrecreateData: unique precreates (pre-signed) from 16
// concurrent clients through the whole handler, on a mock with --data and
// on one in memory, in alternating slices so both see the same machine
// (other work on it moves both): 2,000 on each, or b.N when more.
// ratio_to_memory is the --data rate over the in-memory rate; commits/s,
// changes/commit and ms/commit are the store's group commit at work.
func BenchmarkPrecreateData(b *testing.B) {
	const slices = 10
	mem, data := benchServer(b), dataServer(b)
	benchRound++
	n := max(b.N, 2000) // -benchtime 1x still measures 2,000 on each
	forms := precreateForms(b, fmt.Sprintf("D%d-", benchRound), 2*n)
	memForms, dataForms := forms[:n], forms[n:]
	var memTime, dataTime time.Duration
	before := data.StoreStats()
	b.ResetTimer()
	var memCPU, dataCPU time.Duration
	for i := range slices {
		lo, hi := i*n/slices, (i+1)*n/slices
		start, cpu := time.Now(), cpuTime()
		parallel(b, mem, memForms[lo:hi])
		memTime += time.Since(start)
		memCPU += cpuTime() - cpu
		start, cpu = time.Now(), cpuTime()
		parallel(b, data, dataForms[lo:hi])
		dataTime += time.Since(start)
		dataCPU += cpuTime() - cpu
	}
	b.StopTimer()
	st := data.StoreStats()
	memRate, dataRate := float64(n)/memTime.Seconds(), float64(n)/dataTime.Seconds()
	b.ReportMetric(dataRate, "data-ops/s")
	b.ReportMetric(memRate, "memory-ops/s")
	b.ReportMetric(dataRate/memRate, "ratio_to_memory")
	b.ReportMetric(float64(dataCPU.Microseconds())/float64(n), "data-cpu-µs/op")
	b.ReportMetric(float64(memCPU.Microseconds())/float64(n), "memory-cpu-µs/op")
	b.ReportMetric(float64(st.Batches-before.Batches)/dataTime.Seconds(), "commits/s")
	b.ReportMetric(float64(st.Changes-before.Changes)/float64(st.Batches-before.Batches), "changes/commit")
	b.ReportMetric(float64((st.Busy-before.Busy).Microseconds())/1000/float64(st.Batches-before.Batches), "ms/commit")
}

// BenchmarkNotify25hData: 2,000 paid trades whose notify_url always
// fails, on a mock with --data and on one in memory; advancing each clock
// 25 h makes all 16,000 attempts (the 14,000 retries are timed). Each op
// runs four mocks in the order memory, --data, --data, memory, so a
// machine getting busier or quieter moves both sides alike.
// ratio_to_memory is the --data advances' wall time over the in-memory
// ones'; cpu_ratio the same for the process's CPU time.
func BenchmarkNotify25hData(b *testing.B) {
	const trades = 2000
	var hits atomic.Int64
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "fail")
	}))
	defer failing.Close()
	advance := func(srv *mock.Server) (wall, cpu time.Duration) {
		app, _ := srv.Apps.Get(keys.DevAppID)
		m := domain.Merchant{AppID: app.AppID, Seller: app.Seller}
		ctx := domain.Context{NotifyURL: failing.URL, Charset: "utf-8", SignType: "RSA2"}
		hits.Store(0)
		var wg sync.WaitGroup
		var next atomic.Int64
		for range benchClients { // concurrent, as clients would: --data shares commits
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := int(next.Add(1)) - 1; n < trades; n = int(next.Add(1)) - 1 {
					o := trade.Order{OutTradeNo: fmt.Sprintf("N%05d", n), TotalAmount: amount.MustParse("1.00"), Subject: "s"}
					t, err := srv.Trades.Cashier(m, o, ctx, "alipay.trade.page.pay")
					if err == nil {
						_, err = srv.Trades.Act(app.AppID, t.TradeNo, trade.ActPay, nil)
					}
					if err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		srv.Sched.RunDue() // first attempts, due now (the scheduler's loop may have made some)
		start, used := time.Now(), cpuTime()
		srv.Sched.Advance(25 * time.Hour)
		wall, cpu = time.Since(start), cpuTime()-used
		if got := hits.Load(); got != trades*8 {
			b.Fatalf("attempts: %d, want %d", got, trades*8)
		}
		_ = srv.Close()
		return wall, cpu
	}
	b.StopTimer()
	var memWall, memCPU, dataWall, dataCPU time.Duration
	for i := 0; i < b.N; i++ {
		for _, withData := range []bool{false, true, true, false} {
			srv := benchServer(b)
			if withData {
				srv = dataServer(b)
			}
			b.StartTimer()
			wall, cpu := advance(srv)
			b.StopTimer()
			if withData {
				dataWall, dataCPU = dataWall+wall, dataCPU+cpu
			} else {
				memWall, memCPU = memWall+wall, memCPU+cpu
			}
		}
	}
	runs := float64(2 * b.N)
	b.ReportMetric(memWall.Seconds()/runs, "memory-s")
	b.ReportMetric(dataWall.Seconds()/runs, "data-s")
	b.ReportMetric(dataWall.Seconds()/memWall.Seconds(), "ratio_to_memory")
	b.ReportMetric(dataCPU.Seconds()/memCPU.Seconds(), "cpu_ratio")
}

// cpuTime is the CPU time (user and system) this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
