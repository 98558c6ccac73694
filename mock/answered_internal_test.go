package mock

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
)

// watched tells when the mock starts to answer: the first byte of the
// status line or the body (closed once).
type watched struct {
	http.ResponseWriter
	once    *sync.Once
	started chan struct{}
}

func (w watched) WriteHeader(code int) {
	w.once.Do(func() { close(w.started) })
	w.ResponseWriter.WriteHeader(code)
}

func (w watched) Write(b []byte) (int, error) {
	w.once.Do(func() { close(w.started) })
	return w.ResponseWriter.Write(b)
}

// dataMock is a mock with --data behind a real listener whose gateway
// answers are watched, and a client of its dev app.
func dataMock(t *testing.T) (*Server, *client.Client, func() <-chan struct{}) {
	t.Helper()
	s, err := New(Options{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var started chan struct{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ch := started
		started = nil // one request's
		mu.Unlock()
		if ch != nil {
			w = watched{ResponseWriter: w, once: &sync.Once{}, started: ch}
		}
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { hs.Close(); _ = s.Close() })
	c, err := client.New(client.Config{GatewayURL: hs.URL + GatewayPath, AppID: keys.DevAppID,
		PrivateKeyRSA: keys.DevAppPrivateKey(), AlipayPublicKeyRSA: &keys.DevAlipayPrivateKey().PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	watch := func() <-chan struct{} { // the next request's answer starts
		mu.Lock()
		defer mu.Unlock()
		started = make(chan struct{})
		return started
	}
	return s, c, watch
}

// gatewayWrites are the calls whose answer is built while their change is
// written (mock/gateway/answered.go), and one whose book waits itself.
// prepare, when set, runs before the held call.
var gatewayWrites = []struct {
	name    string
	prepare func(c *client.Client, out string) error
	call    func(c *client.Client, out string) error
}{
	{name: "precreate", call: func(c *client.Client, out string) error {
		_, err := c.Precreate(context.Background(), client.PrecreateRequest{Order: client.Order{OutTradeNo: out,
			TotalAmount: amount.MustParse("9.99"), Subject: "commit"}})
		return err
	}},
	{name: "precreate v3", call: func(c *client.Client, out string) error {
		_, err := c.PrecreateV3(context.Background(), client.PrecreateRequest{Order: client.Order{OutTradeNo: out,
			TotalAmount: amount.MustParse("9.99"), Subject: "commit"}})
		return err
	}},
	{name: "create", call: createTrade},
	{name: "pay", call: func(c *client.Client, out string) error {
		_, err := c.Pay(context.Background(), client.PayRequest{Order: client.Order{OutTradeNo: out,
			TotalAmount: amount.MustParse("9.99"), Subject: "commit"}, Scene: "bar_code", AuthCode: "283912345678901234"})
		return err
	}},
	{name: "close (the book waits)", prepare: createTrade, call: func(c *client.Client, out string) error {
		_, err := c.Close(context.Background(), client.CloseRequest{OutTradeNo: out})
		return err
	}},
}

func createTrade(c *client.Client, out string) error {
	_, err := c.Create(context.Background(), client.CreateRequest{Order: client.Order{OutTradeNo: out,
		TotalAmount: amount.MustParse("9.99"), Subject: "commit"}, BuyerID: "2088102177846880"})
	return err
}

// With the store's writer held back, a gateway write is signed and ready
// but its answer does not start until the commit holding its change is
// on disk; released, the answer is 10000. The test waits for the request
// to be waiting on the commit (the store's count), never on time.
func TestAnswerLeavesOnlyAfterItsCommit(t *testing.T) {
	s, c, watch := dataMock(t)
	for i, tc := range gatewayWrites {
		t.Run(tc.name, func(t *testing.T) {
			out := fmt.Sprintf("HELD%d", i)
			if tc.prepare != nil {
				if err := tc.prepare(c, out); err != nil {
					t.Fatal(err)
				}
			}
			started := watch()
			resume := s.db.Pause()
			defer resume()
			done := make(chan error, 1)
			go func() { done <- tc.call(c, out) }()
			deadline := time.Now().Add(30 * time.Second)
			for s.db.Stats().Waiting == 0 { // the request waits for its commit
				select {
				case err := <-done:
					t.Fatalf("answered while the commit was held back: %v", err)
				default:
				}
				if time.Now().After(deadline) {
					t.Fatal("the request never waited for its commit")
				}
				time.Sleep(time.Millisecond)
			}
			select {
			case <-started:
				t.Fatal("the answer started before its change was on disk")
			case err := <-done:
				t.Fatalf("answered before its change was on disk: %v", err)
			default:
			}
			resume()
			if err := <-done; err != nil {
				t.Fatalf("after the commit: %v", err)
			}
			select {
			case <-started:
			default:
				t.Fatal("answered without the watched writer")
			}
		})
	}
}

// A change the store cannot write is answered 20000 isp.unknow-error (the
// result is unknown to the client) on both APIs, also when the answer was
// signed while the write was in flight; the data file is closed under the
// running mock, as a failing disk would leave it.
func TestUnstoredChangeIsAnswered20000(t *testing.T) {
	s, c, _ := dataMock(t)
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
	for i, tc := range gatewayWrites[:4] {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(c, fmt.Sprintf("LOST%d", i))
			var ae *client.Error
			if !errors.As(err, &ae) || ae.Code != "20000" || ae.SubCode != "isp.unknow-error" {
				t.Fatalf("a change that could not be stored: %v, want 20000 isp.unknow-error", err)
			}
		})
	}
}
