package mock_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/domain"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// The measurements docs/performance.md reports. Run them with
//
//	go test ./mock -run '^$' -bench 'Gateway|RSA|Start|Memory|Idle' -benchtime 2s
//
// Every derived number is a metric (b.ReportMetric); nothing here asserts a
// timing. The targets (ratio_to_sign >= 0.9, ratio_to_precreate >= 10,
// B/trade < 2048) are read off the output, not enforced.

// benchNode is a typical answer node: what the mock signs for a precreate.
var benchNode = []byte(`{"code":"10000","msg":"Success","out_trade_no":"B0000000001","qr_code":"http:\/\/127.0.0.1:8080\/qr\/6Q2rJ8mWc4vT1yXz"}`)

// signRate times n RSA2 signatures with the mock's Alipay key: the
// signature every fresh answer needs, measured in the same run.
func signRate(b *testing.B, n int) float64 {
	b.Helper()
	k := keys.DevAlipayPrivateKey()
	start := time.Now()
	for i := 0; i < n; i++ {
		if _, err := sign.Sign(k, sign.RSA2, benchNode); err != nil {
			b.Fatal(err)
		}
	}
	return float64(n) / time.Since(start).Seconds()
}

// BenchmarkRSASign: RSA-2048 SHA256withRSA signatures with the mock's key.
func BenchmarkRSASign(b *testing.B) {
	k := keys.DevAlipayPrivateKey()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := sign.Sign(k, sign.RSA2, benchNode); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signs/s")
}

// benchServer is a bare mock (no listener) with a frozen clock at epoch, so
// request timestamps are valid and no answer changes with time.
func benchServer(b *testing.B) *mock.Server {
	b.Helper()
	srv, err := mock.New(mock.Options{Clock: clock.NewManual(epoch), Seed: 1, FundPublicKey: true}) // the dev app transfers too
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Close() })
	return srv
}

// signedForm is a dev-app request, signed by the app key, form-encoded.
func signedForm(b *testing.B, method, biz string) string {
	b.Helper()
	p := map[string]string{
		"app_id": keys.DevAppID, "method": method, "format": "JSON", "charset": "utf-8",
		"sign_type": "RSA2", "timestamp": timestamp.Format(epoch), "version": "1.0",
		"biz_content": biz,
	}
	s, err := sign.SignString(benchAppKey, sign.RSA2, sign.UTF8, sign.RequestContent(p))
	if err != nil {
		b.Fatal(err)
	}
	p["sign"] = s
	body, err := sign.EncodeForm(p, sign.UTF8)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

var benchAppKey = keys.DevAppPrivateKey()

func precreateForms(b *testing.B, prefix string, n int) []string {
	b.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = signedForm(b, "alipay.trade.precreate",
			fmt.Sprintf(`{"out_trade_no":"%s%08d","total_amount":"88.88","subject":"Iphone6 16G"}`, prefix, i))
	}
	return out
}

var success = []byte(`"code":"10000"`)

// serve runs one gateway request through the in-process handler and
// returns the body; anything but a signed 10000 answer stops the benchmark.
func serve(b *testing.B, srv *mock.Server, form string) []byte {
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, precreateRequest(form))
	return answered(b, w)
}

// precreateRequest is a gateway.do POST of form.
func precreateRequest(form string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, mock.GatewayPath, strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// answered is w's body, which must be a signed success.
func answered(b *testing.B, w *httptest.ResponseRecorder) []byte {
	body := w.Body.Bytes()
	if w.Code != http.StatusOK || !bytes.Contains(body, success) || !bytes.Contains(body, []byte(`"sign":"`)) {
		b.Fatalf("HTTP %d: %s", w.Code, body)
	}
	return body
}

// precreateRate times n unique precreates (pre-signed) on srv.
func precreateRate(b *testing.B, srv *mock.Server, prefix string, n int) float64 {
	b.Helper()
	forms := precreateForms(b, prefix, n)
	start := time.Now()
	for _, f := range forms {
		serve(b, srv, f)
	}
	return float64(n) / time.Since(start).Seconds()
}

var benchRound int // makes out_trade_no unique across the framework's rounds

// BenchmarkGatewayPrecreateUnique: every op a precreate with a new
// out_trade_no through the whole handler (parse, verify the request
// signature, open the trade, journal, sign the answer). Requests are signed
// before the timer starts. ratio_to_sign is ops/s over the bare RSA2 sign
// rate of this run: the server's overhead beyond the one signature it cannot
// avoid (the request verification, also unavoidable, is part of that
// overhead: a public-key operation, about 1/30 of a signature).
func BenchmarkGatewayPrecreateUnique(b *testing.B) { benchPrecreateUnique(b, false) }

func benchPrecreateUnique(b *testing.B, clearJournal bool) {
	srv := benchServer(b)
	benchRound++
	forms := precreateForms(b, fmt.Sprintf("U%d-", benchRound), b.N)
	rate := signRate(b, 200)
	runtime.GC()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		serve(b, srv, forms[i])
		keepJournalShort(b, srv, i, clearJournal)
	}
	b.StopTimer()
	ops := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(ops, "ops/s")
	b.ReportMetric(rate, "signs/s")
	b.ReportMetric(ops/rate, "ratio_to_sign")
}

// BenchmarkGatewayQueryRepeated: the same signed alipay.trade.query, whose
// answer is byte-identical every time (a merchant polling an unpaid trade
// under a frozen clock). With the response-signature cache only the first
// answer costs an RSA signature. ratio_to_precreate compares with unique
// precreates timed on the same server in the same run.
func BenchmarkGatewayQueryRepeated(b *testing.B) { benchQueryRepeated(b, false) }

func benchQueryRepeated(b *testing.B, clearJournal bool) {
	srv := benchServer(b)
	benchRound++
	prefix := fmt.Sprintf("Q%d-", benchRound)
	pre := precreateRate(b, srv, prefix, 200)
	query := signedForm(b, "alipay.trade.query", fmt.Sprintf(`{"out_trade_no":"%s%08d"}`, prefix, 0))
	first := serve(b, srv, query)
	first = append([]byte(nil), first...)
	runtime.GC()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if got := serve(b, srv, query); !bytes.Equal(got, first) {
			b.Fatalf("answer changed:\n%s\n%s", first, got)
		}
		keepJournalShort(b, srv, i, clearJournal)
	}
	b.StopTimer()
	ops := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(ops, "ops/s")
	b.ReportMetric(pre, "precreate-ops/s")
	b.ReportMetric(ops/pre, "ratio_to_precreate")
}

// BenchmarkGatewayQueryLogged: BenchmarkGatewayQueryRepeated with the
// console on (info, JSON, written to io.Discard): what the one log line per
// request costs. ratio_to_silent compares with the same query timed on a
// server whose logger is off, in the same run.
func BenchmarkGatewayQueryLogged(b *testing.B) {
	silent := benchServer(b)
	logged, err := mock.New(mock.Options{Clock: clock.NewManual(epoch), Seed: 1,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = logged.Close() })
	benchRound++
	prefix := fmt.Sprintf("L%d-", benchRound)
	query := signedForm(b, "alipay.trade.query", fmt.Sprintf(`{"out_trade_no":"%s%08d"}`, prefix, 0))
	var silentRate float64
	for _, srv := range []*mock.Server{silent, logged} {
		precreateRate(b, srv, prefix, 1)
		serve(b, srv, query)
	}
	const n = 2000
	start := time.Now()
	for i := 0; i < n; i++ {
		serve(b, silent, query)
	}
	silentRate = n / time.Since(start).Seconds()
	runtime.GC()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		serve(b, logged, query)
	}
	b.StopTimer()
	ops := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(ops, "ops/s")
	b.ReportMetric(silentRate, "silent-ops/s")
	b.ReportMetric(ops/silentRate, "ratio_to_silent")
}

// keepJournalShort empties the request journal every 1,000 requests, off
// the clock, when asked: the diagnostic variants below measure the gateway
// without the cost of a full journal (journal.Max entries), to show how
// much of the gap to the targets that cost is.
func keepJournalShort(b *testing.B, srv *mock.Server, i int, clear bool) {
	if clear && i%1000 == 999 {
		b.StopTimer()
		srv.Journal.Clear("")
		b.StartTimer()
	}
}

// BenchmarkGatewayJournalCleared: the two gateway benchmarks again with the
// journal never full. Diagnostic, not a target.
func BenchmarkGatewayJournalCleared(b *testing.B) {
	b.Run("precreate", func(b *testing.B) { benchPrecreateUnique(b, true) })
	b.Run("query", func(b *testing.B) { benchQueryRepeated(b, true) })
}

// BenchmarkStartToHealthy: mock.Start (default options: dev app, shipped
// key, magic amounts, real clock) until /_mock/health first answers 200.
func BenchmarkStartToHealthy(b *testing.B) {
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	var total time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		srv, err := mock.Start(mock.Options{Addr: "127.0.0.1:0"})
		if err != nil {
			b.Fatal(err)
		}
		// Start returns once the mock listens: the first request answers.
		resp, err := hc.Get(srv.URL() + "/_mock/health")
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("health: HTTP %d", resp.StatusCode)
		}
		total += time.Since(start)
		b.StopTimer()
		_ = srv.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms")
}

// BenchmarkMemoryPerTrade: 20,000 paid precreate trades put straight into
// the book (srv.Trades), heap measured after a GC before and after. The
// count includes what a stored trade drags along in the mock: its history,
// indexes and its place in the book's deadline queue. For what dominates:
//
//	go test ./mock -run '^$' -bench MemoryPerTrade -benchtime 1x -memprofile /tmp/mem.out
//	go tool pprof -sample_index=alloc_space -top mock.test /tmp/mem.out
func BenchmarkMemoryPerTrade(b *testing.B) {
	const trades = 20000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv, err := mock.New(mock.Options{Clock: clock.NewManual(epoch), Seed: 1, FundPublicKey: true}) // the dev app transfers too
		if err != nil {
			b.Fatal(err)
		}
		app, _ := srv.Apps.Get(keys.DevAppID)
		m := domain.Merchant{AppID: app.AppID, Seller: app.Seller}
		ctx := domain.Context{Charset: "utf-8", SignType: "RSA2"}
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		for n := 0; n < trades; n++ {
			o := trade.Order{OutTradeNo: fmt.Sprintf("M%08d", n), TotalAmount: amount.MustParse("88.88"), Subject: "Iphone6 16G"}
			t, err := srv.Trades.Precreate(m, o, ctx)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := srv.Trades.Act(app.AppID, t.TradeNo, trade.ActPay, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if got := len(must(srv.Trades.List(trade.Filter{Status: trade.Success}))(b)); got != trades {
			b.Fatalf("trades stored: %d, want %d", got, trades)
		}
		runtime.KeepAlive(srv)
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/trades, "B/trade")
		b.ReportMetric(float64(after.HeapObjects-before.HeapObjects)/trades, "objects/trade")
		_ = srv.Close()
	}
}

// BenchmarkIdleMemory: the heap of a mock with the dev app and nothing else,
// after a GC. heap-B/server is the growth mock.New causes; HeapAlloc and Sys
// are the whole test process's (run this benchmark alone for them to mean
// the mock's idle footprint).
func BenchmarkIdleMemory(b *testing.B) {
	var before, after runtime.MemStats
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()
		srv, err := mock.New(mock.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(srv)
		_ = srv.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)), "heap-B/server")
	b.ReportMetric(float64(after.HeapAlloc), "HeapAlloc-B")
	b.ReportMetric(float64(after.Sys), "Sys-B")
}
