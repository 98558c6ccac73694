package store_test

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/mock/store"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// BenchmarkGroupCommit: 16 writers (WRITERS=n for another number) each
// put a trade and wait for it to be on disk, as 16 clients' requests
// would. Reports how many changes share a batch (one bbolt commit), how
// long a batch takes on this disk and the CPU it costs:
//
//	go test ./mock/store -run '^$' -bench GroupCommit -benchtime 3000x
func BenchmarkGroupCommit(b *testing.B) {
	db, err := store.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	writers := 16
	if w, err := strconv.Atoi(os.Getenv("WRITERS")); err == nil {
		writers = w
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	before, cpu := db.Stats(), cpuTime()
	b.ResetTimer()
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				t := trade.Trade{AppID: "9021000100000001", TradeNo: fmt.Sprintf("2026010122%018d", i),
					OutTradeNo: fmt.Sprintf("order-%d", i), Subject: "s", Total: amount.MustParse("1.00"),
					Status: trade.WaitBuyerPay, Created: at}
				if err := db.PutTrades([]trade.Trade{t})(); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	used := cpuTime() - cpu
	s := db.Stats()
	batches := s.Batches - before.Batches
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "puts/s")
	b.ReportMetric(float64(s.Changes-before.Changes)/float64(batches), "changes/batch")
	b.ReportMetric(float64((s.Busy-before.Busy).Microseconds())/1000/float64(batches), "ms/batch")
	b.ReportMetric(float64(used.Microseconds())/float64(batches), "cpu-µs/batch")
}

// cpuTime is the CPU time (user and system) this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
