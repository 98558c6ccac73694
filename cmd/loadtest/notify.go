package main

import (
	"context"
	"crypto/rsa"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/alipay-mock/alipay-mock/client"
)

// receiver is the merchant's notify_url: a local server that verifies
// each notification and answers "success" to a share of the attempts
// (-ack-rate); the others get "fail" or, with -nack timeout, no answer
// until the mock's attempt times out (5 s by default).
type receiver struct {
	srv     *http.Server
	url     string
	verify  *client.Client
	ackRate float64
	hold    bool
	stop    chan struct{}

	mu        sync.Mutex
	rng       *rand.Rand
	attempts  int
	acked     int
	refused   int
	held      int
	badSign   int
	first     map[string]time.Time // out_trade_no → first attempt's arrival
	byStatus  map[string]int       // trade_status of attempts
	arrivedCh chan struct{}        // a notification arrived
}

func startReceiver(appID string, appKey *rsa.PrivateKey, alipayPub *rsa.PublicKey, ackRate float64, hold bool, seed uint64) (*receiver, error) {
	c, err := client.New(client.Config{GatewayURL: "http://127.0.0.1/gateway.do", AppID: appID,
		PrivateKeyRSA: appKey, AlipayPublicKeyRSA: alipayPub})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{verify: c, ackRate: ackRate, hold: hold, stop: make(chan struct{}),
		rng: rand.New(rand.NewPCG(seed, 17)), first: map[string]time.Time{}, byStatus: map[string]int{},
		arrivedCh: make(chan struct{}, 1), url: "http://" + ln.Addr().String() + "/notify"}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	req.Body = http.MaxBytesReader(w, req.Body, 1<<20)
	n, err := r.verify.VerifyNotification(req)
	r.mu.Lock()
	r.attempts++
	ack := err == nil && r.rng.Float64() < r.ackRate
	switch {
	case err != nil:
		r.badSign++
	case ack:
		r.acked++
	case r.hold:
		r.held++
	default:
		r.refused++
	}
	if err == nil {
		r.byStatus[string(n.TradeStatus)]++
		if _, ok := r.first[n.OutTradeNo]; !ok {
			r.first[n.OutTradeNo] = at
		}
	}
	r.mu.Unlock()
	select {
	case r.arrivedCh <- struct{}{}:
	default:
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if ack {
		_, _ = io.WriteString(w, "success")
		return
	}
	if r.hold && err == nil {
		// No answer: the mock's attempt times out and is retried later.
		select {
		case <-req.Context().Done():
		case <-r.stop:
		case <-time.After(30 * time.Second):
		}
		return
	}
	_, _ = io.WriteString(w, "fail")
}

// wait blocks until every trade in want has had a notification, or until
// the deadline; it returns how many had.
func (r *receiver) wait(want []string, deadline time.Time) int {
	for {
		r.mu.Lock()
		got := 0
		for _, out := range want {
			if _, ok := r.first[out]; ok {
				got++
			}
		}
		r.mu.Unlock()
		if got == len(want) {
			return got
		}
		d := time.Until(deadline)
		if d <= 0 {
			return got
		}
		select {
		case <-r.arrivedCh:
		case <-time.After(min(d, 100*time.Millisecond)):
		}
	}
}

func (r *receiver) close() {
	close(r.stop)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = r.srv.Shutdown(ctx)
	_ = r.srv.Close()
}
