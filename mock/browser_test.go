package mock_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// TestMain closes the package's one Chromium, if a test started it.
func TestMain(m *testing.M) {
	code := m.Run()
	chrome.close()
	pgtest.Stop() // the cluster of the tests with --store, if one started
	os.Exit(code)
}

// chrome is the package's one headless Chromium (Debian's, as CI installs
// it), started by the first browser test: starting one per test was most
// of the package's time. Each test gets its own browser context (cookies,
// cache, sockets) in it.
var chrome sharedBrowser

type sharedBrowser struct {
	once    sync.Once
	ctx     context.Context // the browser; tabs are made from it
	cancel  func()
	profile string
	err     error
}

func (b *sharedBrowser) start() {
	path, err := exec.LookPath("chromium")
	if err != nil {
		b.err = err
		return
	}
	// Chromium's helpers may still write to the profile after it exits, so
	// it is removed by close, best effort, instead of t.TempDir.
	if b.profile, b.err = os.MkdirTemp("", "alipay-mock-chromium"); b.err != nil {
		return
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		// For TestBrowserDNSRebindingRefused; no other test uses the name.
		chromedp.Flag("host-resolver-rules", "MAP evil.test 127.0.0.1"),
		chromedp.UserDataDir(b.profile), chromedp.WindowSize(1000, 1400))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	// Newer Chromium sends events this cdproto does not know; they do not
	// matter to these tests.
	quiet := chromedp.WithErrorf(func(format string, a ...any) {
		if msg := fmt.Sprintf(format, a...); !strings.Contains(msg, "could not unmarshal event") {
			log.Printf("chromedp: %s", msg)
		}
	})
	ctx, cancelCtx := chromedp.NewContext(alloc, quiet)
	b.ctx, b.cancel = ctx, func() { cancelCtx(); cancelAlloc() }
	b.err = chromedp.Run(ctx) // starts the browser
}

func (b *sharedBrowser) close() {
	if b.cancel != nil {
		b.cancel()
	}
	if b.profile != "" {
		_ = os.RemoveAll(b.profile)
	}
}

// browser opens a tab, in a browser context of its own, in the package's
// Chromium for one test; on failure the test saves a screenshot to
// testdata/screenshots. Without Chromium the test skips, unless
// BROWSER_TESTS=required.
func browser(t *testing.T) context.Context {
	t.Helper()
	chrome.once.Do(chrome.start)
	if chrome.err != nil {
		if os.Getenv("BROWSER_TESTS") == "required" {
			t.Fatalf("chromium: %v (apt-get install chromium)", chrome.err)
		}
		t.Skipf("chromium: %v; BROWSER_TESTS=required makes this a failure", chrome.err)
	}
	tab, cancelTab := chromedp.NewContext(chrome.ctx, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(tab, 60*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
	})
	t.Cleanup(func() { // runs first: the tab is still there
		if !t.Failed() {
			return
		}
		var png []byte
		shot, cancel := context.WithTimeout(tab, 10*time.Second)
		defer cancel()
		if err := chromedp.Run(shot, chromedp.FullScreenshot(&png, 90)); err != nil {
			t.Logf("no screenshot: %v", err)
			return
		}
		dir := filepath.Join("testdata", "screenshots")
		_ = os.MkdirAll(dir, 0o755)
		file := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+".png")
		if err := os.WriteFile(file, png, 0o644); err == nil {
			t.Logf("screenshot: %s", file)
		}
	})
	return ctx
}

// shop is a merchant site: a checkout page with the SDK-style auto-submit
// form, a return_url that verifies what the cashier sent back, and a
// notify_url through the client's NotifyHandler.
type shop struct {
	*httptest.Server
	c        *client.Client
	notified chan *client.Notification
	form     string
}

func newShop(t *testing.T, srv *mock.Server) *shop {
	c, err := client.New(srv.DevClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	s := &shop{c: c, notified: make(chan *client.Notification, 8)}
	mux := http.NewServeMux()
	mux.HandleFunc("/checkout", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, s.form)
	})
	mux.HandleFunc("/return", func(w http.ResponseWriter, r *http.Request) {
		v, err := c.VerifyReturn(r)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err != nil {
			fmt.Fprintf(w, `<p id="result">FAILED: %v</p>`, err)
			return
		}
		fmt.Fprintf(w, `<p id="result">verified out_trade_no=%s total_amount=%s method=%s</p>`, v.Get("out_trade_no"), v.Get("total_amount"), v.Get("method"))
	})
	mux.HandleFunc("/quit", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<p id="result">quit %q</p>`, r.URL.RawQuery)
	})
	mux.Handle("/notify", c.NotifyHandler(func(_ context.Context, n *client.Notification) error {
		s.notified <- n
		return nil
	}))
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func text(ctx context.Context, t *testing.T, sel string) string {
	t.Helper()
	var s string
	if err := chromedp.Run(ctx, chromedp.WaitVisible(sel, chromedp.ByQuery), chromedp.Text(sel, &s, chromedp.ByQuery)); err != nil {
		t.Fatalf("%s: %v", sel, err)
	}
	return s
}

// page.pay: the merchant's auto-submitting form, the cashier, pay as a
// chosen buyer, and back at return_url with a signature that verifies.
func TestBrowserPagePay(t *testing.T) {
	ctx := browser(t)
	srv := mock.NewTestServer(t, mock.Options{})
	s := newShop(t, srv)
	var err error
	s.form, err = s.c.PagePayForm(client.PagePayRequest{Order: client.Order{OutTradeNo: "BROWSER-PAGE-1",
		TotalAmount: amount.MustParse("66.60"), Subject: "一本书"}, ReturnURL: s.URL + "/return"})
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Run(ctx, chromedp.Navigate(s.URL+"/checkout")); err != nil {
		t.Fatal(err)
	}
	if got := text(ctx, t, "#amount"); got != "¥66.60" {
		t.Fatalf("cashier amount %q", got)
	}
	if err := chromedp.Run(ctx,
		chromedp.SendKeys(`input[name="buyer_logon_id"]`, "13800138000", chromedp.ByQuery),
		chromedp.Click("#pay", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if got := text(ctx, t, "#result"); got != "verified out_trade_no=BROWSER-PAGE-1 total_amount=66.60 method=alipay.trade.page.pay.return" {
		t.Fatalf("return page: %q", got)
	}
	q, err := s.c.Query(context.Background(), client.QueryRequest{OutTradeNo: "BROWSER-PAGE-1"})
	if err != nil || q.TradeStatus != "TRADE_SUCCESS" || q.BuyerLogonID != "138****8000" {
		t.Fatalf("query: %+v %v", q, err)
	}
}

// wap.pay by URL: the buyer logs in, then quits: the browser goes to the
// order's quit_url, plain, and the trade stays open to time out.
func TestBrowserWapPayCancel(t *testing.T) {
	ctx := browser(t)
	srv := mock.NewTestServer(t, mock.Options{})
	s := newShop(t, srv)
	u, err := s.c.WapPayURL(client.WapPayRequest{Order: client.Order{OutTradeNo: "BROWSER-WAP-1",
		TotalAmount: amount.MustParse("9.90"), Subject: "wap"}, ReturnURL: s.URL + "/return", QuitURL: s.URL + "/quit"})
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Run(ctx, chromedp.Navigate(u), chromedp.WaitVisible("#login", chromedp.ByQuery), chromedp.Click("#login", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if got := text(ctx, t, "#message"); got != "已登录" {
		t.Fatalf("after logging in: %q", got)
	}
	if err := chromedp.Run(ctx, chromedp.Click("#close", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if got := text(ctx, t, "#result"); got != `quit ""` {
		t.Errorf("quitting went to %q, want the quit_url with nothing added", got)
	}
	q, err := s.c.Query(context.Background(), client.QueryRequest{OutTradeNo: "BROWSER-WAP-1"})
	if err != nil || q.TradeStatus != "WAIT_BUYER_PAY" {
		t.Fatalf("query: %+v %v", q, err)
	}
}

// precreate, open the QR page, pay; the merchant gets the notification,
// and the dashboard shows the trade and its delivered notification.
func TestBrowserQRPayAndDashboard(t *testing.T) {
	ctx := browser(t)
	srv := mock.NewTestServer(t, mock.Options{})
	s := newShop(t, srv)
	pre, err := s.c.Precreate(context.Background(), client.PrecreateRequest{Order: client.Order{OutTradeNo: "BROWSER-QR-1",
		TotalAmount: amount.MustParse("5.00"), Subject: "奶茶"}}, client.WithNotifyURL(s.URL+"/notify"))
	if err != nil {
		t.Fatal(err)
	}
	var width int
	if err := chromedp.Run(ctx, chromedp.Navigate(pre.QRCode), chromedp.WaitVisible("#qr", chromedp.ByQuery),
		chromedp.Poll(`document.getElementById("qr").complete && document.getElementById("qr").naturalWidth`, &width)); err != nil {
		t.Fatal(err)
	}
	if width < 64 {
		t.Fatalf("the QR image did not load: width %d", width)
	}
	if err := chromedp.Run(ctx, chromedp.Click("#pay", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if got := text(ctx, t, "#message"); got != "支付成功" {
		t.Fatalf("message %q", got)
	}
	select {
	case n := <-s.notified:
		if n.OutTradeNo != "BROWSER-QR-1" || n.TradeStatus != "TRADE_SUCCESS" {
			t.Fatalf("notification: %+v", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the merchant got no notification")
	}
	dashboardShows(ctx, t, srv, "BROWSER-QR-1")
}
