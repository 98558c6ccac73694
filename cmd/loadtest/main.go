// Command loadtest is a load tool for a running alipay-mock's gateway.do:
// a mix of methods at an open-model arrival rate (or closed-loop, for
// capacity), notifications received at a local notify_url and acknowledged
// at a given rate, and a report of throughput, latency percentiles and
// errors by sub_code, as text or JSON.
//
//	go run ./cmd/loadtest -url http://127.0.0.1:8080 -rate 200 -d 30s -mix precreate=60,query=30,refund=10
//	go run ./cmd/loadtest -mix pay=90,pay@40004.01=10 -rate 100 -notify -ack-rate 0.9 -json
//	go run ./cmd/loadtest -mix precreate=100 -c 16 -d 5s -presign   # capacity (closed loop)
//
// -mix lists kinds (precreate, pay, query, refund) with weights; an
// amount after @ is the total_amount (refund_amount for refund) of those
// requests, so a magic amount (scenarios/magic-amounts.yaml) drives a given
// error: pay@40004.01 is ACQ.BUYER_BALANCE_NOT_ENOUGH. Queries and refunds act
// on trades this run paid (-trades of them are paid before the clock
// starts). Every request has its own
// signature; they are signed in the background on every core, just ahead
// of their send time, so on one machine the client's RSA work shares the
// CPU with the mock (the report says when that limited it); -presign signs
// them all before the clock starts (about 1 s per 1,000 on 2 cores).
//
// With -rate the model is open: requests arrive on a schedule (-arrival
// poisson, the default, or fixed) whatever happened to the others, and
// latency counts from the scheduled arrival, so time queued behind a slow
// answer counts (no coordinated omission). -c bounds the connections; a
// request still queued a second after the end is counted late, not sent,
// and in the percentiles with the time it waited until then. Failures
// count in them too, with their time to fail.
// Without -rate every connection sends its next request when the last is
// answered (closed loop: capacity).
//
// With -notify a receiver on 127.0.0.1 is the notify_url of every pay and
// precreate; it verifies each notification's signature and answers
// "success" to -ack-rate of the attempts, "fail" (or, with -nack timeout,
// nothing) to the rest. After the load it waits up to -notify-wait for the
// first attempt of every paid trade. Refused attempts are retried on the
// mock's schedule (4 minutes later on its clock), outside the run.
//
// Answers are classified by code and sub_code; with -verify (the default)
// each answer's signature is checked after its latency is taken. It is
// bounded by -d and -n and only talks to loopback hosts.
package main

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
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
	"github.com/alipay-mock/alipay-mock/keys"
)

func main() {
	os.Exit(exitCode(run(os.Args[1:], os.Stdout, os.Stderr), os.Stderr))
}

// flagError is a bad command line: exit status 2, as the flag package's.
type flagError struct{ error }

func (e flagError) Unwrap() error { return e.error }

// exitCode prints err and says the exit status: 0, 2 for a bad command
// line, 1 otherwise.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0 // -h: the flags are printed
	}
	fmt.Fprintln(stderr, "loadtest:", err)
	if errors.As(err, new(flagError)) {
		return 2
	}
	return 1
}

// Bounds of the numeric flags: beyond them a run is a typo, and -n, the
// workers or the seed's goroutines would not fit in memory.
const (
	minRate     = 1e-3 // arrivals per second; far below it a gap overflows time.Duration
	maxRate     = 1e6
	maxRequests = 100_000_000
	// maxPresigned bounds -presign, which holds every signed request
	// (~1 KB each) before the load: ~1 GB.
	maxPresigned = 1_000_000
	maxConns     = 10_000
	maxTrades    = 100_000
)

type config struct {
	base       string
	mixText    string
	method     string
	conc       int
	dur        time.Duration
	rate       float64
	arrival    string
	max        int
	presign    bool
	trades     int
	seed       uint64
	notify     bool
	ackRate    float64
	nack       string
	notifyWait time.Duration
	verify     bool
	json       bool
	appID      string
	appKey     string
	alipayKey  string
}

func run(args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.base, "url", "http://127.0.0.1:8080", "the mock's base URL (loopback only)")
	fs.StringVar(&cfg.mixText, "mix", "", "kinds and weights, e.g. precreate=60,query=30,refund=10; kind@amount=w sends that amount (magic amounts drive errors)")
	fs.StringVar(&cfg.method, "method", "", "one kind alone (the same as -mix KIND=1)")
	fs.IntVar(&cfg.conc, "c", 16, "concurrent connections (keep-alive)")
	fs.DurationVar(&cfg.dur, "d", 10*time.Second, "duration")
	fs.Float64Var(&cfg.rate, "rate", 0, "arrivals per second, open model (0: closed loop, as fast as the server answers)")
	fs.StringVar(&cfg.arrival, "arrival", "poisson", "with -rate: poisson (exponential gaps) or fixed (even gaps)")
	fs.IntVar(&cfg.max, "n", 0, "at most this many requests (0: rate x duration, or 30,000 closed-loop)")
	fs.BoolVar(&cfg.presign, "presign", false, "sign every request before the clock starts (the client's signing is then not in the numbers)")
	fs.IntVar(&cfg.trades, "trades", 20, "trades paid before the clock starts, for queries and refunds to act on")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the mix and the arrivals (the same seed, the same sequence)")
	fs.BoolVar(&cfg.notify, "notify", false, "receive notifications on a local notify_url (pay and precreate)")
	fs.Float64Var(&cfg.ackRate, "ack-rate", 1, "with -notify: the share of attempts answered success (0 to 1)")
	fs.StringVar(&cfg.nack, "nack", "fail", "with -notify: the other attempts get fail, or timeout (no answer)")
	fs.DurationVar(&cfg.notifyWait, "notify-wait", 5*time.Second, "with -notify: how long to wait after the load for paid trades' notifications")
	fs.BoolVar(&cfg.verify, "verify", true, "verify each answer's signature (after its latency is taken)")
	fs.BoolVar(&cfg.json, "json", false, "print the report as JSON")
	fs.StringVar(&cfg.appID, "app-id", keys.DevAppID, "app_id to send as")
	fs.StringVar(&cfg.appKey, "app-key", "", "the app private key, PEM file or text (default: the dev app's)")
	fs.StringVar(&cfg.alipayKey, "alipay-public-key", "", "the mock's Alipay public key, PEM file or text (default: the dev key)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return flagError{err}
	}
	if err := cfg.check(fs); err != nil {
		return flagError{err}
	}
	mix, err := parseMix(cfg.mixText)
	if err != nil {
		return flagError{err}
	}
	gw, err := gatewayURL(cfg.base)
	if err != nil {
		return flagError{err}
	}
	appKey, alipayPub := keys.DevAppPrivateKey(), &keys.DevAlipayPrivateKey().PublicKey
	if cfg.appKey != "" {
		if appKey, err = keys.LoadPrivateKey(cfg.appKey); err != nil {
			return fmt.Errorf("-app-key: %w", err)
		}
	}
	if cfg.alipayKey != "" {
		if alipayPub, err = keys.LoadPublicKey(cfg.alipayKey); err != nil {
			return fmt.Errorf("-alipay-public-key: %w", err)
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
	var rcv *receiver
	if cfg.notify {
		if rcv, err = startReceiver(cfg.appID, appKey, alipayPub, cfg.ackRate, cfg.nack == "timeout", cfg.seed); err != nil {
			return err
		}
		defer rcv.close()
	}
	b := &builder{key: appKey, appID: cfg.appID, run: fmt.Sprintf("LT%x", time.Now().UnixNano()), seed: cfg.seed,
		mix: mix, pools: &pools{}}
	if rcv != nil {
		b.notifyURL = rcv.url
	}
	snd := &sender{hc: hc, gw: gw, pub: alipayPub, verify: cfg.verify}

	// Paid trades for queries and refunds, and warm connections, before the clock.
	if err := seed(context.Background(), b, snd, cfg); err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var src *source
	var presignRate float64
	if cfg.presign {
		fmt.Fprintf(stderr, "signing %d requests on %d cores...\n", cfg.max, runtime.NumCPU())
		start := time.Now()
		if src, err = presign(ctx, b, cfg.max); err != nil {
			return err
		}
		took := time.Since(start)
		presignRate = float64(len(src.all)) / took.Seconds()
		fmt.Fprintf(stderr, "signed in %s\n", took.Round(time.Millisecond))
	} else {
		src = signAhead(ctx, b, cfg.max, 2*cfg.conc)
	}

	res := load(snd, src, b, cfg)
	res.presignRate = presignRate
	rep := res.report(cfg, mix, src)
	if rcv != nil {
		rep.Notifications = rcv.report(res.paid, time.Now().Add(cfg.notifyWait), cfg)
	}
	if cfg.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		rep.text(stdout)
	}
	if err, _ := src.signErr.Load().(error); err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	if rep.Requests.Answered == 0 {
		return errors.New("no request was answered")
	}
	return nil
}

// check refuses flags out of their range, settles -mix from -method and
// -n (0) from -rate and -d.
// The float comparisons are written so that NaN fails them.
func (cfg *config) check(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.conc < 1 || cfg.conc > maxConns {
		return fmt.Errorf("-c %d: want 1 to %d connections", cfg.conc, maxConns)
	}
	if cfg.dur <= 0 {
		return fmt.Errorf("-d %s: want a duration over 0", cfg.dur)
	}
	if !(cfg.rate == 0 || cfg.rate >= minRate && cfg.rate <= maxRate) {
		return fmt.Errorf("-rate %g: want 0 (closed loop) or arrivals per second from %g to %g", cfg.rate, minRate, maxRate)
	}
	if cfg.max < 0 || cfg.max > maxRequests {
		return fmt.Errorf("-n %d: want 0 (no bound) to %d requests", cfg.max, maxRequests)
	}
	if cfg.max == 0 {
		if cfg.rate > 0 {
			// One arrival at 0, then one every 1/rate up to -d.
			n := math.Floor(cfg.rate*cfg.dur.Seconds()) + 1
			if !(n <= maxRequests) {
				return fmt.Errorf("-rate %g for -d %s is %.0f arrivals: more than %d (lower either, or bound them with -n)", cfg.rate, cfg.dur, n, maxRequests)
			}
			cfg.max = int(n)
		} else {
			cfg.max = 30000
		}
	}
	if cfg.presign && cfg.max > maxPresigned {
		return fmt.Errorf("-presign holds every request signed before the load: %d requests, more than %d (bound them with -n)", cfg.max, maxPresigned)
	}
	if cfg.trades < 0 || cfg.trades > maxTrades {
		return fmt.Errorf("-trades %d: want 0 to %d", cfg.trades, maxTrades)
	}
	if !(cfg.ackRate >= 0 && cfg.ackRate <= 1) {
		return fmt.Errorf("-ack-rate %g: want a share from 0 to 1", cfg.ackRate)
	}
	if cfg.nack != "fail" && cfg.nack != "timeout" {
		return fmt.Errorf("-nack %q: want fail or timeout", cfg.nack)
	}
	if cfg.arrival != "poisson" && cfg.arrival != "fixed" {
		return fmt.Errorf("-arrival %q: want poisson or fixed", cfg.arrival)
	}
	switch {
	case cfg.mixText != "" && cfg.method != "":
		return errors.New("-mix and -method: give one")
	case cfg.method != "":
		cfg.mixText = cfg.method + "=1"
	case cfg.mixText == "":
		cfg.mixText = "precreate=1"
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

// seed pays cfg.trades trades (when the mix queries or refunds), then
// sends one request on each connection so dialing is not in the numbers.
func seed(ctx context.Context, b *builder, snd *sender, cfg config) error {
	needs := false
	for _, e := range b.mix {
		needs = needs || e.kind == "query" || e.kind == "refund"
	}
	sb := *b
	sb.notifyURL = "" // the seed's notifications are not the run's
	sb.run = b.run + "-S"
	sb.mix = []entry{{label: "pay", kind: "pay", method: kinds["pay"], weight: 1}}
	n := 0
	if needs {
		n = cfg.trades
	}
	warm := max(cfg.conc, n)
	errs := make(chan error, warm)
	for i := 0; i < warm; i++ {
		go func(i int) {
			r, err := sb.build(i)
			if err != nil {
				errs <- err
				return
			}
			a := snd.send(ctx, r)
			switch {
			case a.err != "":
				errs <- fmt.Errorf("paying a trade before the load: %s", a.err)
			case a.code != "10000" && i < n:
				errs <- fmt.Errorf("paying a trade before the load: %s %s", a.code, a.subCode)
			default:
				if i < n {
					b.pools.add(r.out)
				}
				errs <- nil
			}
		}(i)
	}
	var first error
	for i := 0; i < warm; i++ {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// source hands out prepared requests: all signed beforehand (-presign) or
// signed in the background as the load runs.
type source struct {
	all     []request
	next    atomic.Int64
	ahead   chan request
	waited  atomic.Int64 // requests that waited for the background signer
	skipped atomic.Int64 // requests with no trade to act on yet
	signErr atomic.Value // first signing error (error)
}

// get returns the next request, or false when there is none left.
func (s *source) get() (request, bool) {
	if s.ahead == nil {
		i := int(s.next.Add(1) - 1)
		if i >= len(s.all) {
			return request{}, false
		}
		return s.all[i], true
	}
	select {
	case r, ok := <-s.ahead:
		return r, ok
	default:
		s.waited.Add(1)
		r, ok := <-s.ahead
		return r, ok
	}
}

// signAhead builds and signs up to n requests on every core into a buffer
// of ahead that the load drains, until n are made or ctx ends. A short
// buffer keeps the signers just ahead of the load: requests made far ahead
// would take the mock's CPU for nothing and act on a stale pool of trades.
func signAhead(ctx context.Context, b *builder, n, ahead int) *source {
	s := &source{ahead: make(chan request, max(1, min(n, ahead)))}
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
				r, err := b.build(i)
				if errors.Is(err, errNoTrade) {
					s.skipped.Add(1)
					continue
				}
				if err != nil {
					s.signErr.CompareAndSwap(nil, err)
					return
				}
				select {
				case s.ahead <- r:
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

// presign builds and signs n requests on every core before the load.
func presign(ctx context.Context, b *builder, n int) (*source, error) {
	ahead := signAhead(ctx, b, n, 4096)
	s := &source{all: make([]request, 0, n)}
	for r := range ahead.ahead {
		s.all = append(s.all, r)
	}
	s.skipped.Store(ahead.skipped.Load())
	if err, _ := ahead.signErr.Load().(error); err != nil {
		return nil, err
	}
	return s, nil
}

// sender posts requests and classifies the answers.
type sender struct {
	hc     *http.Client
	gw     string
	pub    *rsa.PublicKey
	verify bool
}

// answer is what one request got.
type answer struct {
	code, subCode string // code "" when err is set
	err           string // a transport failure or an answer that is not Alipay's
	bytes         int
	signed, bad   bool // the answer was signed; its signature did not verify
}

func (s *sender) send(ctx context.Context, r request) answer {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.gw, strings.NewReader(r.body))
	if err != nil {
		return answer{err: "request: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
	resp, err := s.hc.Do(req)
	if err != nil {
		return answer{err: transportError(err)}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	resp.Body.Close()
	if err != nil {
		return answer{err: transportError(err), bytes: len(b)}
	}
	if resp.StatusCode != http.StatusOK {
		return answer{err: fmt.Sprintf("HTTP %d", resp.StatusCode), bytes: len(b)}
	}
	a := answer{bytes: len(b)}
	parsed, err := sign.ParseResponse(b, r.e.method)
	if err != nil {
		a.err = "not an Alipay answer"
		return a
	}
	var node struct {
		Code    string `json:"code"`
		SubCode string `json:"sub_code"`
	}
	if err := json.Unmarshal(parsed.Raw, &node); err != nil || node.Code == "" {
		a.err = "not an Alipay answer"
		return a
	}
	a.code, a.subCode = node.Code, node.SubCode
	if parsed.Sign != "" {
		a.signed = true
		if s.verify {
			a.bad = sign.Verify(s.pub, sign.RSA2, parsed.Raw, parsed.Sign) != nil
		}
	}
	return a
}

// transportError names a failed exchange briefly, for counting.
func transportError(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "transport: timeout"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "connection reset"):
		return "transport: connection closed"
	case strings.Contains(err.Error(), "connection refused"):
		return "transport: connection refused"
	}
	return "transport: error"
}

// stat is what one worker saw for one mix entry.
type stat struct {
	lat      []time.Duration // every arrival: answered, failed or late
	answered int             // an Alipay answer, any code
	late     int             // open model: not sent, in lat with its wait until dropped
	ok       int             // code 10000
	errors   map[string]int  // "40004 ACQ.SYSTEM_ERROR", "HTTP 502", …
	bytes    int64
	signed   int
	badSign  int
}

func (s *stat) add(a answer, lat time.Duration) {
	s.bytes += int64(a.bytes)
	s.lat = append(s.lat, lat) // a failure too: leaving it out would flatter the percentiles
	if a.err != "" {
		s.errors[a.err]++
		return
	}
	s.answered++
	if a.code == "10000" {
		s.ok++
	} else {
		s.errors[strings.TrimSpace(a.code+" "+a.subCode)]++
	}
	if a.signed {
		s.signed++
		if a.bad {
			s.badSign++
		}
	}
}

type result struct {
	presignRate float64
	elapsed     time.Duration
	stats       map[string]*stat // by mix label
	paid        []paidTrade      // pays answered 10000
}

// paidTrade is a pay answered 10000, and when.
type paidTrade struct {
	out string
	at  time.Time
}

func load(snd *sender, src *source, b *builder, cfg config) result {
	type worker struct {
		stats map[string]*stat
		paid  []paidTrade
	}
	workers := make([]worker, cfg.conc)
	for k := range workers {
		workers[k].stats = map[string]*stat{}
		for _, e := range b.mix {
			workers[k].stats[e.label] = &stat{errors: map[string]int{}}
		}
	}
	do := func(w *worker, from time.Time) bool {
		r, ok := src.get()
		if !ok {
			return false
		}
		a := snd.send(context.Background(), r)
		lat := time.Since(from)
		w.stats[r.e.label].add(a, lat)
		if a.err == "" && a.code == "10000" && r.e.kind == "pay" {
			b.pools.add(r.out)
			w.paid = append(w.paid, paidTrade{r.out, time.Now()})
		}
		return true
	}
	start := time.Now()
	deadline := start.Add(cfg.dur)
	var wg sync.WaitGroup
	if cfg.rate == 0 {
		// Closed loop: each connection sends its next request when the last is answered.
		for k := range workers {
			wg.Add(1)
			go func(w *worker) {
				defer wg.Done()
				for time.Now().Before(deadline) && do(w, time.Now()) {
				}
			}(&workers[k])
		}
		wg.Wait()
	} else {
		// Open model: arrival i is due at its scheduled time whatever
		// happened to the others; its latency counts from then.
		type arrival struct {
			i  int
			at time.Time
		}
		due := make(chan arrival, min(cfg.max, 1<<20))
		for k := range workers {
			wg.Add(1)
			go func(w *worker) {
				defer wg.Done()
				for a := range due {
					if now := time.Now(); now.After(deadline.Add(time.Second)) {
						// Still queued a second after the end: the server is
						// behind the schedule; count it rather than drain it,
						// with its wait so far (it would have waited longer),
						// under the kind the mix gives its place.
						s := w.stats[pick(b.mix, b.seed, a.i).label]
						s.late++
						s.lat = append(s.lat, now.Sub(a.at))
						continue
					}
					if !do(w, a.at) {
						return
					}
				}
			}(&workers[k])
		}
		rng := rand.New(rand.NewPCG(cfg.seed, 3))
		at := start
		for i := 0; i < cfg.max; i++ {
			if cfg.arrival == "fixed" {
				at = start.Add(time.Duration(float64(i) / cfg.rate * float64(time.Second)))
			} else if i > 0 {
				at = at.Add(time.Duration(rng.ExpFloat64() / cfg.rate * float64(time.Second)))
			}
			if !at.Before(deadline) {
				break
			}
			if d := time.Until(at); d > 0 {
				time.Sleep(d)
			}
			due <- arrival{i, at}
		}
		close(due)
		wg.Wait()
	}
	r := result{elapsed: time.Since(start), stats: map[string]*stat{}}
	for _, e := range b.mix {
		m := &stat{errors: map[string]int{}}
		for _, w := range workers {
			s := w.stats[e.label]
			m.lat = append(m.lat, s.lat...)
			m.answered += s.answered
			m.late += s.late
			m.ok += s.ok
			m.bytes += s.bytes
			m.signed += s.signed
			m.badSign += s.badSign
			for k, v := range s.errors {
				m.errors[k] += v
			}
		}
		sort.Slice(m.lat, func(i, j int) bool { return m.lat[i] < m.lat[j] })
		r.stats[e.label] = m
	}
	for _, w := range workers {
		r.paid = append(r.paid, w.paid...)
	}
	return r
}
