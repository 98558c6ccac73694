// Package mock is alipay-mock as a library: New builds the whole mock as an
// http.Handler and Start runs it on a listener, so Go tests can use it
// in-process like httptest.NewServer. The alipay-mock command wraps it.
package mock

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/appauth"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/control"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/journal"
	"github.com/alipay-mock/alipay-mock/mock/limits"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/store"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/mock/web"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// Version of alipay-mock.
const Version = "0.1.0"

// GatewayPath is where the gateway answers, as on openapi.alipay.com.
const GatewayPath = "/gateway.do"

// Options configure a mock. The zero value is the default mock: the dev
// app registered, the shipped Alipay key, the real clock, random ids.
type Options struct {
	// Addr is where Start listens; default 127.0.0.1:0 (a free port).
	Addr string
	// Apps are registered besides the dev app.
	Apps []apps.Spec
	// NoDevApp leaves the shipped development app out.
	NoDevApp bool
	// AlipayKey signs responses, notifications and returns; default the
	// shipped keys/dev/alipay_private_key.pem.
	AlipayKey *rsa.PrivateKey
	// Clock is the mock's only source of time; default one running at wall
	// speed. clock.NewManual(t) stands still until advanced.
	Clock *clock.Sim
	// Notify configures notification delivery (schedule, timeout, events).
	Notify notify.Options
	// Workers bounds how many notification attempts run at once; default 16.
	Workers int
	// Seed makes ids, buyers and sellers reproducible; 0 is random.
	Seed int64
	// Trades are the trade state machine's switches.
	Trades trade.Options
	// Coupons are the red-packet state machine's switches.
	Coupons coupon.Options
	// TimestampTolerance bounds request timestamps; default 24h, negative
	// turns the check off.
	TimestampTolerance time.Duration
	// PublicURL is the mock's base URL as browsers see it (qr_code,
	// cashier); default taken from each request's Host.
	PublicURL string
	// Logger receives the mock's logs; default discards them.
	Logger *slog.Logger
	// Scenarios are put in force at start (each in its app_id's scope).
	Scenarios []*scenarios.File
	// NoMagicAmounts leaves out the built-in scenario of test amounts.
	NoMagicAmounts bool
	// ControlToken opens the control API and dashboard to other hosts for
	// clients that send it; without it they answer loopback clients only.
	ControlToken string
	// AllowedHosts are Host header values the control API and dashboard
	// accept from clients without the token, besides loopback names and
	// addresses and the PublicURL host: a name, *.domain or host:port
	// (e.g. a Docker service name). Others get 403 (DNS rebinding).
	AllowedHosts []string
	// AlipayCert is the Alipay public-key certificate (PEM, leaf first)
	// that certificate-mode apps load; default the shipped one for the
	// shipped key, else one the dev CA issues for AlipayKey at start.
	AlipayCert []byte
	// BillFeeRate is the service fee bills show, in basis points; default
	// 60 (0.6%, the usual face-to-face rate).
	BillFeeRate int64
	// DataDir keeps apps, trades, red packets, notifications and the clock
	// in a file there, so a restarted mock carries on; empty keeps
	// everything in memory.
	DataDir string
	// Journal bounds the request journal by entries and bytes; zero values
	// take the defaults (2,000 entries, 32 MiB).
	Journal journal.Options
	// Trades.Keep, Coupons.Keep and Notify.Keep bound the trades, red
	// packets and final notifications kept (docs/limits.md); 0 takes the
	// defaults (100,000, 100,000 and 10,000), a negative value keeps all.
}

// keep is a count limit with its default: 0 takes def, negative is none.
func keep(n, def int) int {
	switch {
	case n == 0:
		return def
	case n < 0:
		return 0
	}
	return n
}

// Server is a configured mock.
type Server struct {
	Apps    *apps.Registry
	Trades  *trade.Book
	Coupons *coupon.Book
	// Auth holds app authorisations (app_auth_code, app_auth_token).
	Auth   *appauth.Book
	Faults *gateway.Queue
	// Scenarios are the rules in force; Journal the last gateway requests.
	Scenarios *scenarios.Engine
	Journal   *journal.Journal
	Clock     *clock.Sim
	Sched     *clock.Scheduler
	Notifier  *notify.Notifier
	Key       *rsa.PrivateKey

	db   *store.DB
	echo *echo.Echo
	log  *slog.Logger
	ln   net.Listener
	http *http.Server
	stop chan struct{}
	done chan struct{}
}

// New builds a mock without starting a listener; it is an http.Handler.
// Its scheduler runs until Close.
func New(opts Options) (_ *Server, err error) {
	if opts.Clock == nil {
		opts.Clock = clock.NewSim(clock.Real{}.Now(), 1)
	}
	if opts.Workers <= 0 {
		opts.Workers = 16
	}
	if opts.BillFeeRate <= 0 {
		opts.BillFeeRate = 60
	}
	if opts.AlipayKey == nil {
		opts.AlipayKey = keys.DevAlipayPrivateKey()
	}
	alipayCert, alipayCertSN, err := alipayCertificate(opts)
	if err != nil {
		return nil, err
	}
	for _, h := range opts.AllowedHosts {
		if err := control.CheckAllowedHost(h); err != nil {
			return nil, err
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	// No log line may carry a request's megabyte: every message and
	// attribute is cut at limits.MaxLogValue.
	opts.Logger = slog.New(limits.LogHandler(opts.Logger.Handler(), limits.MaxLogValue))
	switch {
	case opts.TimestampTolerance == 0:
		opts.TimestampTolerance = 24 * time.Hour
	case opts.TimestampTolerance < 0:
		opts.TimestampTolerance = 0
	}
	opts.Trades.Keep = keep(opts.Trades.Keep, trade.DefaultKeep)
	opts.Coupons.Keep = keep(opts.Coupons.Keep, coupon.DefaultKeep)
	opts.Notify.Keep = keep(opts.Notify.Keep, notify.DefaultKeep)
	var db *store.DB
	if opts.DataDir != "" {
		if db, err = store.Open(opts.DataDir); err != nil {
			return nil, err
		}
		built := false
		defer func() {
			if !built { // a failed start lets go of the directory and the clock
				opts.Clock.OnJump(nil)
				db.Close()
			}
		}()
		defer func() { built = err == nil }()
		if opts.Seed != 0 {
			// A seed replays the same ids: move it on at every start so new
			// trade numbers never collide with stored ones.
			opts.Seed += int64(db.Boots()-1) * 1_000_003
		}
	}
	ids := fixtures.New(opts.Seed)
	s := &Server{
		db:        db,
		Apps:      apps.NewRegistry(ids),
		Trades:    trade.NewBook(opts.Clock, ids, opts.Trades),
		Coupons:   coupon.NewBook(opts.Clock, ids, opts.Coupons),
		Auth:      appauth.NewBook(opts.Clock, ids),
		Faults:    &gateway.Queue{},
		Scenarios: scenarios.NewEngine(),
		Journal:   journal.New(opts.Journal),
		Clock:     opts.Clock,
		Sched:     clock.NewScheduler(opts.Clock, opts.Workers),
		Key:       opts.AlipayKey,
		log:       opts.Logger,
	}
	s.Notifier = notify.New(s.Key, s.Sched, ids, notify.NewOutbox(), opts.Notify)
	if !opts.NoMagicAmounts {
		magic, err := scenarios.MagicAmounts(gateway.Catalogue())
		if err != nil {
			return nil, err
		}
		s.Scenarios.Add(magic)
	}
	s.Scenarios.Add(opts.Scenarios...)
	s.Trades.Observe(s.tradeEvent)
	s.Coupons.Observe(s.couponEvent)
	s.Trades.OnEvict(s.tradesEvicted)
	s.Coupons.OnEvict(s.ordersEvicted)
	if db != nil {
		if err := s.restore(db); err != nil {
			return nil, err
		}
	}
	specs := opts.Apps
	if !opts.NoDevApp {
		specs = append([]apps.Spec{apps.DevSpec()}, specs...)
	}
	for _, sp := range specs {
		if _, err := s.Apps.Add(sp); err != nil {
			return nil, err
		}
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.httpError
	e.Use(securityHeaders)
	e.Use(middleware.Recover())
	e.Use(bodyLimits)
	e.Use(control.Guard(control.GuardOptions{Token: opts.ControlToken, AllowedHosts: opts.AllowedHosts, PublicURL: opts.PublicURL}))
	gw := &gateway.Gateway{Apps: s.Apps, Trades: s.Trades, Key: s.Key, Clock: s.Clock, IDs: ids,
		Log: s.log, TimestampTolerance: opts.TimestampTolerance, PublicURL: opts.PublicURL,
		Coupons: s.Coupons, Queue: s.Faults, Scenarios: s.Scenarios, Journal: s.Journal,
		Sched: s.Sched, Notifier: s.Notifier, Auth: s.Auth, BillFeeRate: opts.BillFeeRate,
		AlipayCertPEM: alipayCert, AlipayCertSN: alipayCertSN, RootCertSN: keys.DevRootCertSN()}
	// Any HTTP method: what is not GET is read like a POST, so even a PUT
	// gets the gateway's own Alipay-shaped answer.
	e.Any(GatewayPath, gw.Handle)
	e.Any(gateway.V3Prefix+"*", gw.HandleV3) // v3 REST: 404/400 JSON for unknown paths and wrong HTTP methods
	e.Any(strings.TrimSuffix(gateway.V3Prefix, "/"), gw.HandleV3)
	e.GET(gateway.BillPath, gw.DownloadBill)
	var storeErr func() error
	if db != nil {
		storeErr = db.Err
	}
	(&control.API{StoreErr: storeErr, AlipayCert: alipayCert, RootCert: keys.DevRootCertPEM(), Apps: s.Apps, Trades: s.Trades, Auth: s.Auth, Coupons: s.Coupons, Faults: s.Faults, Key: s.Key,
		Scenarios: s.Scenarios, Journal: s.Journal, Methods: gateway.Catalogue(),
		Sched: s.Sched, Notifier: s.Notifier, Version: Version, OpenOrderString: gw.OpenOrderString}).Register(e)
	(&web.Dashboard{Apps: s.Apps, Trades: s.Trades, Coupons: s.Coupons, Notifier: s.Notifier, Sched: s.Sched,
		Journal: s.Journal, Scenarios: s.Scenarios, Faults: s.Faults, Key: s.Key, Version: Version}).Register(e)
	(&web.Pages{PublicURL: opts.PublicURL, Apps: s.Apps, Trades: s.Trades, Coupons: s.Coupons, Key: s.Key, Clock: s.Clock}).Register(e)
	s.echo = e
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.done)
		s.Sched.Loop(s.stop)
	}()
	return s, nil
}

// alipayCertificate is the certificate of the mock's Alipay key and its SN.
func alipayCertificate(opts Options) ([]byte, string, error) {
	pem := opts.AlipayCert
	if pem == nil && opts.AlipayKey.PublicKey.Equal(&keys.DevAlipayPrivateKey().PublicKey) {
		pem = keys.DevAlipayCertPEM()
	}
	if pem == nil {
		now := opts.Clock.Now()
		var err error
		if pem, err = keys.DevAuthority().IssueAlipayCert(&opts.AlipayKey.PublicKey, now.Add(-24*time.Hour), now.AddDate(20, 0, 0)); err != nil {
			return nil, "", fmt.Errorf("alipay certificate: %w", err)
		}
	}
	certs, err := keys.ParseCertificates(pem)
	if err != nil || len(certs) == 0 {
		return nil, "", fmt.Errorf("alipay certificate: %v", err)
	}
	if !opts.AlipayKey.PublicKey.Equal(certs[0].PublicKey) {
		return nil, "", errors.New("alipay certificate: not the certificate of the Alipay key")
	}
	return pem, keys.CertSN(certs[0]), nil
}

// tradeEvent is the trade book's observer: it hands events to the notifier
// and puts the trade's next deadline (expiry, end of the refund window) on
// the scheduler, keyed like the trade's notifications so they stay in order.
func (s *Server) tradeEvent(t trade.Trade, e trade.Event) {
	s.Notifier.TradeEvent(t, e)
	if e.Type == trade.EventCreated || e.Type == trade.EventPaid {
		s.scheduleTrade(t)
	}
}

// scheduleTrade puts a trade's next deadline on the scheduler.
func (s *Server) scheduleTrade(t trade.Trade) {
	at, ok := s.Trades.Deadline(t)
	if !ok {
		return
	}
	app, no := t.AppID, t.TradeNo
	s.Sched.Schedule(clock.Job{At: at, Kind: "trade", Ref: no, Key: app + "|" + t.OutTradeNo,
		Run: func(time.Time) []clock.Fired {
			var out []clock.Fired
			for _, ev := range s.Trades.Settle(app, no) {
				out = append(out, clock.Fired{At: ev.At, Kind: "trade." + string(ev.Type), Ref: no, Detail: string(ev.Status)})
			}
			return out
		}})
}

// couponEvent is the red-packet book's observer: notifications, and the
// order's next deadline (pay timeout, processing, automatic refund).
func (s *Server) couponEvent(o coupon.Order, e coupon.Event) {
	s.Notifier.CouponEvent(o, e)
	s.scheduleOrder(o)
}

// scheduleOrder puts a red packet's next deadline on the scheduler.
func (s *Server) scheduleOrder(o coupon.Order) {
	at, ok := s.Coupons.Deadline(o)
	if !ok {
		return
	}
	no := o.AuthNo
	s.Sched.Schedule(clock.Job{At: at, Kind: "red_packet", Ref: no, Key: "coupon|" + no,
		Run: func(time.Time) []clock.Fired {
			var out []clock.Fired
			for _, ev := range s.Coupons.Settle(no) {
				out = append(out, clock.Fired{At: ev.At, Kind: "red_packet." + ev.Type, Ref: no, Detail: ev.Detail})
			}
			return out
		}})
}

// tradesEvicted cancels the scheduled jobs of trades no longer kept: the
// deadline and any simulated buyer still to act. Their notifications are
// the outbox's and run their course.
func (s *Server) tradesEvicted(ts []trade.Trade) {
	for _, t := range ts {
		s.Sched.Cancel(t.TradeNo, func(j clock.Job) bool { return j.Kind == "trade" })
		key := t.AppID + "|" + t.OutTradeNo
		s.Sched.Cancel(t.OutTradeNo, func(j clock.Job) bool { return strings.HasPrefix(j.Kind, "buyer.") && j.Key == key })
		s.Notifier.DropPolicy(t.AppID, t.OutTradeNo)
	}
}

// ordersEvicted does for red packets what tradesEvicted does for trades.
func (s *Server) ordersEvicted(os []coupon.Order) {
	for _, o := range os {
		s.Sched.Cancel(o.AuthNo, func(j clock.Job) bool { return j.Kind == "red_packet" })
		key := o.AppID + "|" + o.OutOrderNo
		s.Sched.Cancel(o.OutOrderNo, func(j clock.Job) bool { return strings.HasPrefix(j.Kind, "buyer.") && j.Key == key })
		s.Notifier.DropPolicy(o.AppID, o.OutOrderNo)
	}
}

// httpError answers what no route handled: the gateway's JSON shape on the
// gateway path (a panic there included), the control API's elsewhere.
func (s *Server) httpError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code := http.StatusInternalServerError
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code = he.Code
	}
	if c.Path() == GatewayPath || c.Request().URL.Path == GatewayPath {
		s.log.Error("gateway failure", "err", err)
		e := apierr.Unknown("isp.unknow-error", "系统繁忙")
		_ = c.JSON(http.StatusOK, map[string]any{"error_response": e})
		return
	}
	if code >= 500 {
		s.log.Error("request failed", "path", c.Request().URL.Path, "err", err)
	}
	if p := c.Request().URL.Path; p == strings.TrimSuffix(gateway.V3Prefix, "/") || strings.HasPrefix(p, gateway.V3Prefix) {
		// What the router refused before the v3 handler (an HTTP method it
		// does not route) still gets a v3 error body.
		e := sign.V3Error{Code: "invalid-http-method", Message: "无效的HTTP方法"}
		if code >= 500 {
			e = sign.V3Error{Code: "unknow-error", Message: "系统繁忙"}
		}
		status := http.StatusBadRequest
		if code >= 500 {
			status = http.StatusInternalServerError
		}
		_ = c.Blob(status, echo.MIMEApplicationJSONCharsetUTF8, e.Bytes())
		return
	}
	_ = c.JSON(code, control.Error{Error: http.StatusText(code)})
}

// ServeHTTP serves the whole mock.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Start builds a mock and serves it on opts.Addr until Close.
func Start(opts Options) (*Server, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.ln = ln
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	go func() { _ = s.http.Serve(ln) }()
	return s, nil
}

// URL is the base URL of a started mock, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// GatewayURL is the URL apps use as their Alipay gateway.
func (s *Server) GatewayURL() string { return s.URL() + GatewayPath }

// AlipayPublicKey is the public key apps verify the mock's signatures with.
func (s *Server) AlipayPublicKey() *rsa.PublicKey { return &s.Key.PublicKey }

// Close stops the scheduler and, when started, the listener.
func (s *Server) Close() error {
	select {
	case <-s.stop:
		return nil // already closed
	default:
	}
	close(s.stop)
	<-s.done
	var err error
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = s.http.Shutdown(ctx)
	}
	if s.db != nil {
		s.Clock.OnJump(nil)
		err = errors.Join(err, s.db.Close())
	}
	return err
}

// Banner is the start-up text: where the gateway is, the apps and the key
// fingerprints.
func (s *Server) Banner() string {
	out := fmt.Sprintf("alipay-mock %s\n  gateway:           %s\n  control API:       %s%s/\n  Alipay public key: %s%s/alipay-public-key (also keys/dev/alipay_public_key.pem)\n                     %s\n",
		Version, s.GatewayURL(), s.URL(), control.Prefix, s.URL(), control.Prefix, keys.Fingerprint(&s.Key.PublicKey))
	for _, a := range s.Apps.All() {
		out += fmt.Sprintf("  app %s (%s, %s) seller %s\n                     %s\n", a.AppID, a.Name, a.SignType, a.Seller.UserID, a.Fingerprint())
	}
	return out
}
