package mock_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// onEveryCore runs f(i) for i in [from, to) on GOMAXPROCS goroutines and
// returns how long that took.
func onEveryCore(from, to int, f func(i int)) time.Duration {
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < to; i = int(next.Add(1) - 1) {
				f(i)
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// BenchmarkGatewayPrecreateParallel: unique precreates through the whole
// handler on every core (GOMAXPROCS goroutines, reported as procs), the
// requests signed before the clock starts and every answer's signature
// verified after it stops. The load runs in rounds: 200 precreates on
// every core, then, off the clock, 200 bare signatures of an answer by
// this build's signer (sign.Backend: crypto/rsa, BoringCrypto or, under
// -tags openssl, OpenSSL) on every core, and so on, so the two rates share
// whatever else the machine is doing. Each round's ratio is the precreate
// rate over the signing rate (the signing time over the precreate time):
// ratio_med, ratio_min and ratio_max are their median and range, and
// cpu_ratio_med the median of the same ratio in this process's CPU time
// (user + system), which other processes on the machine do not move.
// ratio_to_sign is the whole run's ops/s over sign-par/s. scripts/signbench.sh
// runs this in each build beside openssl speed.
//
// The two phases carry profile labels, so a CPU profile tells them apart:
// -cpuprofile cpu.out, then go tool pprof -top -cum -tagfocus
// phase=precreate (or phase=sign) mock.test cpu.out.
//
// It runs at the binary's collector target (mock.SetGCTarget: GOGC=400
// unless GOGC is set), reported as gogc, so it measures the build as
// shipped.
func BenchmarkGatewayPrecreateParallel(b *testing.B) {
	prev := debug.SetGCPercent(-1)
	debug.SetGCPercent(prev)
	defer debug.SetGCPercent(prev)
	gogc := mock.SetGCTarget()
	srv := benchServer(b)
	benchRound++
	forms := precreateForms(b, fmt.Sprintf("P%d-", benchRound), b.N)
	bodies := make([][]byte, b.N)
	k := keys.DevAlipayPrivateKey()
	const round = 200
	reqs, recs := make([]*http.Request, round), make([]*httptest.ResponseRecorder, round)
	var signing time.Duration
	var wall, cpu []float64
	signs := 0
	runtime.GC()
	b.ResetTimer()
	for from := 0; from < b.N; from += round {
		to := min(from+round, b.N)
		var tp, ts time.Duration
		// The round's requests are made before its clock starts: making
		// one (httptest.NewRequest) is the client's work, not the mock's.
		b.StopTimer()
		for i := from; i < to; i++ {
			reqs[i-from] = precreateRequest(forms[i])
			recs[i-from] = httptest.NewRecorder()
		}
		b.StartTimer()
		c0 := cpuTime()
		pprof.Do(context.Background(), precreatePhase, func(context.Context) {
			tp = onEveryCore(from, to, func(i int) { srv.ServeHTTP(recs[i-from], reqs[i-from]) })
		})
		c1 := cpuTime()
		b.StopTimer()
		for i := from; i < to; i++ {
			bodies[i] = answered(b, recs[i-from])
		}
		pprof.Do(context.Background(), signPhase, func(context.Context) {
			ts = onEveryCore(from, to, func(int) {
				if _, err := sign.Sign(k, sign.RSA2, benchNode); err != nil {
					b.Error(err)
				}
			})
		})
		c2 := cpuTime()
		signing += ts
		signs += to - from
		if to-from >= round/2 { // a short last round says little
			wall = append(wall, ts.Seconds()/tp.Seconds())
			if c1 > c0 && c2 > c1 {
				cpu = append(cpu, (c2-c1).Seconds()/(c1-c0).Seconds())
			}
		}
		b.StartTimer()
	}
	b.StopTimer()
	ops := float64(b.N) / b.Elapsed().Seconds()
	rate := float64(signs) / signing.Seconds()
	for i, body := range bodies {
		r, err := sign.ParseResponse(body, "alipay.trade.precreate")
		if err != nil {
			b.Fatal(err)
		}
		if err := sign.Verify(&k.PublicKey, sign.RSA2, r.Raw, r.Sign); err != nil {
			b.Fatalf("answer %d: %v", i, err)
		}
	}
	b.ReportMetric(ops, "ops/s")
	b.ReportMetric(rate, "sign-par/s")
	b.ReportMetric(ops/rate, "ratio_to_sign")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
	b.ReportMetric(float64(gogc), "gogc")
	// Every round's ratios, for scripts/signbench.sh to pool across runs
	// (a benchmark's log is always printed).
	b.Logf("rounds wall %s", joinRatios(wall))
	b.Logf("rounds cpu %s", joinRatios(cpu))
	if len(wall) > 0 {
		b.ReportMetric(float64(len(wall)), "rounds")
		med, lo, hi := spread(wall)
		b.ReportMetric(med, "ratio_med")
		b.ReportMetric(lo, "ratio_min")
		b.ReportMetric(hi, "ratio_max")
	}
	if len(cpu) > 0 {
		med, _, _ := spread(cpu)
		b.ReportMetric(med, "cpu_ratio_med")
	}
}

func joinRatios(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.FormatFloat(x, 'f', 3, 64)
	}
	return strings.Join(s, " ")
}

var (
	precreatePhase = pprof.Labels("phase", "precreate")
	signPhase      = pprof.Labels("phase", "sign")
)

// spread is the median, least and greatest of xs (which it sorts).
func spread(xs []float64) (med, lo, hi float64) {
	slices.Sort(xs)
	n := len(xs)
	med = xs[n/2]
	if n%2 == 0 {
		med = (xs[n/2-1] + xs[n/2]) / 2
	}
	return med, xs[0], xs[n-1]
}
