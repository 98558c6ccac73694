package mock_test

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
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
// handler on every core, the requests signed before the clock starts and
// every answer's signature verified after it stops. The load runs in
// chunks of 250; between chunks, off the clock, this build's signer
// (sign.Backend: crypto/rsa, BoringCrypto or, under -tags openssl, OpenSSL)
// signs 100 answers on every core, so the two rates share whatever else
// this machine is doing. sign-par/s is that signing rate, ratio_to_sign is
// ops/s over it. scripts/signbench.sh runs this in each build beside
// openssl speed.
func BenchmarkGatewayPrecreateParallel(b *testing.B) {
	srv := benchServer(b)
	benchRound++
	forms := precreateForms(b, fmt.Sprintf("P%d-", benchRound), b.N)
	bodies := make([][]byte, b.N)
	k := keys.DevAlipayPrivateKey()
	var signing time.Duration
	signs := 0
	runtime.GC()
	b.ResetTimer()
	for from := 0; from < b.N; from += 250 {
		to := min(from+250, b.N)
		onEveryCore(from, to, func(i int) { bodies[i] = serve(b, srv, forms[i]) })
		b.StopTimer()
		signing += onEveryCore(0, 100, func(int) {
			if _, err := sign.Sign(k, sign.RSA2, benchNode); err != nil {
				b.Error(err)
			}
		})
		signs += 100
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
}
