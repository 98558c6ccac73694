// Command loadtest measures a running alipay-mock's gateway.do over HTTP:
// throughput and latency percentiles of alipay.trade.query (one signed
// request repeated: a merchant polling an unpaid trade, identical answers)
// or alipay.trade.precreate (a new out_trade_no every request).
//
//	go run ./cmd/loadtest -url http://127.0.0.1:8080 -method query -c 16 -d 10s
//	go run ./cmd/loadtest -url http://127.0.0.1:8080 -method query -c 16 -d 10s -rate 1500
//
// Requests are signed with the dev app's key. A query is one request
// signed once. Precreates are signed in the background on every core while
// the load runs, so sending starts at once; the client's RSA work then
// shares the CPU with a mock on the same machine, and the result says so.
// -presign signs them all before the clock starts instead (as long as
// that takes: about 1 s per 1,000 on 2 cores), so only the mock's work is
// measured. Without -rate every worker sends
// back to back (closed loop: capacity); with -rate requests are started on a
// fixed schedule (open loop) and latency counts from the scheduled start, so
// queueing behind a slow answer is included. Run it once without -rate to
// find capacity, then with -rate at half of it. It is bounded by -d and by
// -n requests, and only talks to loopback hosts.
package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/keys"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

type config struct {
	base    string
	method  string
	conc    int
	dur     time.Duration
	rate    float64
	max     int
	presign bool
}

func run() error {
	var cfg config
	flag.StringVar(&cfg.base, "url", "http://127.0.0.1:8080", "the mock's base URL (loopback only)")
	flag.StringVar(&cfg.method, "method", "query", "query (one signed request repeated) or precreate (unique out_trade_no)")
	flag.IntVar(&cfg.conc, "c", 16, "concurrent connections (keep-alive)")
	flag.DurationVar(&cfg.dur, "d", 10*time.Second, "duration")
	flag.Float64Var(&cfg.rate, "rate", 0, "requests per second, open loop (0: as fast as the server answers)")
	flag.IntVar(&cfg.max, "n", 0, "at most this many requests (0: 1,000,000 for query; for precreate 30,000, or rate x duration)")
	flag.BoolVar(&cfg.presign, "presign", false, "precreate: sign every request before the clock starts (slow to start; the client's signing is then not in the numbers)")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	if cfg.conc < 1 || cfg.dur <= 0 || cfg.rate < 0 || cfg.max < 0 {
		return errors.New("-c, -d must be positive, -rate and -n not negative")
	}
	gw, err := gatewayURL(cfg.base)
	if err != nil {
		return err
	}
	if cfg.max == 0 {
		switch {
		case cfg.method == "query":
			cfg.max = 1000000
		case cfg.rate > 0:
			cfg.max = int(cfg.rate*cfg.dur.Seconds()) + cfg.conc
		default:
			cfg.max = 30000
		}
	}

	hc := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        cfg.conc,
			MaxIdleConnsPerHost: cfg.conc,
			MaxConnsPerHost:     cfg.conc,
			IdleConnTimeout:     time.Minute,
		},
	}
	key := keys.DevAppPrivateKey()
	run := fmt.Sprintf("LT%x", time.Now().UnixNano())

	var src *source
	switch cfg.method {
	case "query":
		// One trade to poll, opened by a precreate first.
		out := run + "-Q"
		pre, err := signedForm(key, "alipay.trade.precreate", fmt.Sprintf(`{"out_trade_no":%q,"total_amount":"88.88","subject":"Iphone6 16G"}`, out))
		if err != nil {
			return err
		}
		if _, err := post(context.Background(), hc, gw, pre); err != nil {
			return fmt.Errorf("opening the trade to query: %w", err)
		}
		q, err := signedForm(key, "alipay.trade.query", fmt.Sprintf(`{"out_trade_no":%q}`, out))
		if err != nil {
			return err
		}
		src = &source{one: q}
	case "precreate":
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if cfg.presign {
			fmt.Fprintf(os.Stderr, "signing %d precreate requests on %d cores...\n", cfg.max, runtime.NumCPU())
			start := time.Now()
			if src, err = presign(ctx, key, run, cfg.max); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "signed in %s\n", time.Since(start).Round(time.Millisecond))
		} else {
			src = signAhead(ctx, key, run, cfg.max, 2*cfg.conc)
		}
	default:
		return fmt.Errorf("-method %q: want query or precreate", cfg.method)
	}

	// Warm the connections, so dialing is not in the numbers.
	warmBody, err := signedForm(key, "alipay.trade.precreate", fmt.Sprintf(`{"out_trade_no":"%s-warm","total_amount":"88.88","subject":"Iphone6 16G"}`, run))
	if err != nil {
		return err
	}
	if src.one != "" {
		warmBody = src.one
	}
	warm := make(chan struct{}, cfg.conc)
	for i := 0; i < cfg.conc; i++ {
		go func() {
			_, _ = post(context.Background(), hc, gw, warmBody)
			warm <- struct{}{}
		}()
	}
	for i := 0; i < cfg.conc; i++ {
		<-warm
	}

	res := load(hc, gw, src, cfg)
	res.print(cfg, src)
	if err, _ := src.signErr.Load().(error); err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	if res.ok == 0 {
		return errors.New("no successful request")
	}
	return nil
}

// gatewayURL checks that base names a loopback host and returns its gateway.do.
func gatewayURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("-url %q: want http://host:port", base)
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	if !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
		return "", fmt.Errorf("-url %q: only loopback hosts (127.0.0.0/8, ::1, localhost) may be load-tested", base)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/gateway.do"
	u.RawQuery = ""
	return u.String(), nil
}

// signedForm is a dev-app request signed with the app key, form-encoded.
func signedForm(key *rsa.PrivateKey, method, biz string) (string, error) {
	p := map[string]string{
		"app_id": keys.DevAppID, "method": method, "format": "JSON", "charset": "utf-8",
		"sign_type": "RSA2", "timestamp": timestamp.Format(time.Now()), "version": "1.0",
		"biz_content": biz,
	}
	s, err := sign.SignString(key, sign.RSA2, sign.UTF8, sign.RequestContent(p))
	if err != nil {
		return "", err
	}
	p["sign"] = s
	return sign.EncodeForm(p, sign.UTF8)
}

// source hands out request bodies: one repeated (query), all signed
// beforehand (-presign), or signed in the background as the load runs.
type source struct {
	one     string
	all     []string
	ahead   chan string
	waited  atomic.Int64 // requests that waited for the background signer
	signErr atomic.Value // first signing error (error)
}

// body returns the body of request i, or false when there is none left.
func (s *source) body(i int) (string, bool) {
	switch {
	case s.one != "":
		return s.one, true
	case s.all != nil:
		if i >= len(s.all) {
			return "", false
		}
		return s.all[i], true
	}
	select {
	case b, ok := <-s.ahead:
		return b, ok
	default:
		s.waited.Add(1)
		b, ok := <-s.ahead
		return b, ok
	}
}

// precreateForm is the n-th precreate of a run, with its own out_trade_no.
func precreateForm(key *rsa.PrivateKey, run string, i int) (string, error) {
	return signedForm(key, "alipay.trade.precreate",
		fmt.Sprintf(`{"out_trade_no":"%s-%08d","total_amount":"88.88","subject":"Iphone6 16G"}`, run, i))
}

// signAhead signs up to n precreates on every core into a buffer of
// ahead that the workers drain, until n are signed or ctx ends; the buffer
// is closed then. A short buffer keeps the signers just ahead of the
// load: signatures made far ahead would take the mock's CPU for nothing.
func signAhead(ctx context.Context, key *rsa.PrivateKey, run string, n, ahead int) *source {
	s := &source{ahead: make(chan string, min(n, ahead))}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < runtime.NumCPU(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				f, err := precreateForm(key, run, i)
				if err != nil {
					s.signErr.CompareAndSwap(nil, err)
					return
				}
				select {
				case s.ahead <- f:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(s.ahead)
	}()
	return s
}

// presign signs n precreates with unique out_trade_no on every core.
func presign(ctx context.Context, key *rsa.PrivateKey, run string, n int) (*source, error) {
	ahead := signAhead(ctx, key, run, n, 4096)
	s := &source{all: make([]string, 0, n)}
	for b := range ahead.ahead {
		s.all = append(s.all, b)
	}
	if err, _ := ahead.signErr.Load().(error); err != nil {
		return nil, err
	}
	return s, nil
}

var success = []byte(`"code":"10000"`)

// post sends one request and reads the whole answer; an answer other than
// code 10000 is an error.
func post(ctx context.Context, hc *http.Client, gw, body string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, gw, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return len(b), fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if !bytes.Contains(b, success) {
		if len(b) > 300 {
			b = b[:300]
		}
		return len(b), fmt.Errorf("not 10000: %s", b)
	}
	return len(b), nil
}

type result struct {
	ok, failed int
	backlog    int // open loop: scheduled but still queued 1 s after the end
	elapsed    time.Duration
	lat        []time.Duration
	firstErr   string
	bytes      int64
}

func load(hc *http.Client, gw string, src *source, cfg config) result {
	type worker struct {
		lat      []time.Duration
		failed   int
		firstErr string
		bytes    int64
	}
	workers := make([]worker, cfg.conc)
	start := time.Now()
	deadline := start.Add(cfg.dur)
	var next atomic.Int64 // index of the next request
	do := func(w *worker, i int, from time.Time) {
		b, ok := src.body(i)
		if !ok {
			return
		}
		n, err := post(context.Background(), hc, gw, b)
		w.bytes += int64(n)
		if err != nil {
			w.failed++
			if w.firstErr == "" {
				w.firstErr = err.Error()
			}
			return
		}
		w.lat = append(w.lat, time.Since(from))
	}

	var wg sync.WaitGroup
	var backlog atomic.Int64
	if cfg.rate == 0 {
		// Closed loop: each worker sends its next request when the last is answered.
		for k := range workers {
			wg.Add(1)
			go func(w *worker) {
				defer wg.Done()
				for time.Now().Before(deadline) {
					i := int(next.Add(1) - 1)
					if i >= cfg.max {
						return
					}
					do(w, i, time.Now())
				}
			}(&workers[k])
		}
		wg.Wait()
	} else {
		// Open loop: request i is due at start + i/rate, whatever happened
		// to the others; its latency counts from then.
		due := make(chan time.Time, min(cfg.max, 1<<20))
		interval := time.Duration(float64(time.Second) / cfg.rate)
		for k := range workers {
			wg.Add(1)
			go func(w *worker) {
				defer wg.Done()
				for at := range due {
					if time.Now().After(deadline.Add(time.Second)) {
						// Still queued a second after the end: the server is
						// behind the schedule; stop rather than drain it.
						backlog.Add(1)
						continue
					}
					do(w, int(next.Add(1)-1), at)
				}
			}(&workers[k])
		}
		for i := 0; i < cfg.max; i++ {
			at := start.Add(time.Duration(i) * interval)
			if !at.Before(deadline) {
				break
			}
			if d := time.Until(at); d > 0 {
				time.Sleep(d)
			}
			due <- at
		}
		close(due)
		wg.Wait()
	}
	r := result{elapsed: time.Since(start), backlog: int(backlog.Load())}
	for _, w := range workers {
		r.lat = append(r.lat, w.lat...)
		r.failed += w.failed
		r.bytes += w.bytes
		if r.firstErr == "" {
			r.firstErr = w.firstErr
		}
	}
	r.ok = len(r.lat)
	return r
}

func (r result) print(cfg config, src *source) {
	sort.Slice(r.lat, func(i, j int) bool { return r.lat[i] < r.lat[j] })
	pct := func(p float64) time.Duration {
		if len(r.lat) == 0 {
			return 0
		}
		i := int(p*float64(len(r.lat))+0.5) - 1
		i = max(0, min(i, len(r.lat)-1))
		return r.lat[i]
	}
	mode := "closed loop (capacity)"
	if cfg.rate > 0 {
		mode = fmt.Sprintf("open loop at %.0f req/s", cfg.rate)
	}
	fmt.Printf("alipay.trade.%s, %s, %d connections, %s (max %d requests), client GOMAXPROCS %d\n",
		cfg.method, mode, cfg.conc, cfg.dur, cfg.max, runtime.GOMAXPROCS(0))
	fmt.Printf("  requests:   %d ok, %d failed", r.ok, r.failed)
	if r.backlog > 0 {
		fmt.Printf(", %d still queued 1 s after the end (server behind the schedule)", r.backlog)
	}
	fmt.Println()
	if r.firstErr != "" {
		fmt.Printf("  first error: %s\n", r.firstErr)
	}
	fmt.Printf("  elapsed:    %s\n", r.elapsed.Round(time.Millisecond))
	fmt.Printf("  throughput: %.0f req/s (%.1f KB/s of answers)\n", float64(r.ok)/r.elapsed.Seconds(), float64(r.bytes)/1024/r.elapsed.Seconds())
	fmt.Printf("  latency:    p50 %s  p90 %s  p99 %s  max %s\n", ms(pct(0.50)), ms(pct(0.90)), ms(pct(0.99)), ms(pct(1)))
	if src.ahead != nil {
		fmt.Printf("  signing:    in the background on %d cores during the load (client and mock share the CPU on one machine); %d requests waited for a signature\n",
			runtime.NumCPU(), src.waited.Load())
		if src.waited.Load() > int64(r.ok+r.failed)/100 {
			fmt.Printf("              the client's signing limited the load: -presign measures the mock alone\n")
		}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }
