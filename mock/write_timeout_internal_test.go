package mock

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/domain"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// closeWatch is a listener whose connections write through a small
// kernel buffer and say when the server closes them, once armed.
type closeWatch struct {
	net.Listener
	armed  atomic.Bool // the connections accepted from now on
	closed chan struct{}
	once   sync.Once
}

func (l *closeWatch) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil || !l.armed.Load() {
		return c, err
	}
	_ = c.(*net.TCPConn).SetWriteBuffer(4 << 10)
	return &watchedConn{Conn: c, l: l}, nil
}

type watchedConn struct {
	net.Conn
	l *closeWatch
}

func (c *watchedConn) Close() error {
	c.l.once.Do(func() { close(c.l.closed) })
	return c.Conn.Close()
}

// A client that asks for a bill and stops reading it is cut off once the
// write deadline passes (writeDeadline, from the answer's first byte): the
// server closes the connection rather than holding its goroutine and the
// zip's bytes until the client reads again. The bill (thousands of trades)
// is far larger than what the two small socket buffers hold, so the write
// blocks whatever the machine's speed.
func TestBillDownloadToAClientThatStopsReadingIsCutOff(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
	s, err := New(Options{Clock: clk, writeTimeout: 50 * time.Millisecond, BillsAtPeriodEnd: true,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 4}))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	watch := &closeWatch{Listener: ln, closed: make(chan struct{})}
	srv := s.httpServer()
	go func() { _ = srv.Serve(watch) }()
	t.Cleanup(func() { _ = srv.Close(); _ = s.Close() })

	app, _ := s.Apps.Get(keys.DevAppID)
	for i := range 6000 {
		// Subjects that do not compress: a bill far larger than the buffers.
		subject := fmt.Sprintf("%x", sha256.Sum256([]byte{byte(i), byte(i >> 8)}))
		tr, err := s.Trades.Precreate(domain.Merchant{AppID: app.AppID, Seller: app.Seller},
			trade.Order{OutTradeNo: fmt.Sprintf("WT%09d", i), TotalAmount: amount.MustParse("88.88"), Subject: subject},
			domain.Context{Charset: sign.Charset("utf-8"), SignType: sign.Type("RSA2")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Trades.Act(app.AppID, tr.TradeNo, trade.ActPay, nil); err != nil {
			t.Fatal(err)
		}
	}
	base := "http://" + ln.Addr().String()
	resp, err := http.Post(base+"/_mock/clock/advance", "application/json", strings.NewReader(`{"by":"24h"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cfg := s.DevClientConfig()
	cfg.GatewayURL = base + GatewayPath
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.BillDownloadURL(context.Background(), client.BillRequest{BillType: client.BillTrade, BillDate: "2026-11-23"})
	if err != nil {
		t.Fatal(err)
	}
	bill, err := url.Parse(r.BillDownloadURL)
	if err != nil {
		t.Fatal(err)
	}
	// A client with a small receive buffer asks for the bill and reads
	// nothing.
	watch.armed.Store(true)
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10) })
	}}
	conn, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", bill.RequestURI(), ln.Addr()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-watch.closed:
	case <-time.After(time.Minute): // the deadline is 50 ms: only a write with none blocks this long
		t.Fatal("the server still holds the answer of a client that stopped reading")
	}
	resp, err = http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body) // chunked: a cut shows as an unexpected end
	if resp.StatusCode != http.StatusOK || err == nil {
		t.Errorf("the bill: HTTP %d, %d bytes read after the server closed (%v), want a 200 cut short", resp.StatusCode, n, err)
	}
}
