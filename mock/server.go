// Package mock is alipay-mock as a library: New builds the whole mock as an
// http.Handler and Start runs it on a listener, so Go tests can use it
// in-process like httptest.NewServer. The alipay-mock command wraps it.
package mock

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/alipay"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/appauth"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/audit"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/control"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/journal"
	"github.com/alipay-mock/alipay-mock/mock/localca"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/pgstore"
	"github.com/alipay-mock/alipay-mock/mock/royalty"
	"github.com/alipay-mock/alipay-mock/mock/shared"
	"github.com/alipay-mock/alipay-mock/mock/store"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// Version of alipay-mock: -ldflags "-X github.com/alipay-mock/alipay-mock/mock.Version=v1.2.3", else the build info (version.go).
var Version string

// GatewayPath is where the gateway answers, as on openapi.alipay.com.
const GatewayPath = "/gateway.do"

// Options configure a mock. The zero value is the default mock: the dev
// app registered, the shipped Alipay key, the real clock, random ids.
type Options struct {
	// Addr is where Start listens; default 127.0.0.1:0 (a free port).
	Addr string
	// Apps are registered besides the dev app; an app id given twice is
	// refused.
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
	// Fund are the balance accounts' and transfers' switches (opening
	// balance, transfers kept).
	Fund fund.Options
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
	// Spaces, tabs, CRs and LFs around it are dropped (control.CleanToken).
	ControlToken string
	// AllowedHosts are Host header values the control API and dashboard
	// accept from clients without the token, besides loopback names and
	// addresses and the PublicURL host: a name, *.domain or host:port
	// (e.g. a Docker service name). Others get 403 (DNS rebinding).
	AllowedHosts []string
	// AllowCrossSiteGateway lets browsers call gateway.do's and v3's
	// methods that are not page methods from pages on other sites
	// (Sec-Fetch-Site: cross-site) or under a Host that is none of the
	// mock's names (DNS rebinding), as production does; by default the mock
	// refuses them (40006 isv.cross-site-request-refused), because the dev
	// app's key is public (docs/security.md).
	AllowCrossSiteGateway bool
	// FundPublicKey lets an app in public-key mode call fund methods
	// (transfers, account and transfer queries, red packets), which
	// production takes in certificate mode only: by default they are
	// answered 40002 isv.missing-app-cert-sn (docs/differences.md).
	FundPublicKey bool
	// AlipayCert is the Alipay public-key certificate (PEM, leaf first)
	// that certificate-mode apps load; default the shipped one for the
	// shipped key, else one the dev CA issues for AlipayKey at start.
	AlipayCert []byte
	// BillFeeRate is the service fee bills show, in basis points; default
	// 60 (0.6%, the usual face-to-face rate).
	BillFeeRate int64
	// BillsAtPeriodEnd makes a day's bill ready at midnight and a month's
	// on the 1st, as soon as the period ends; by default they are ready
	// when production makes them: the next day at 09:00 GMT+8, the 3rd of
	// the next month at 09:00 (bill.Period.ReadyAt).
	BillsAtPeriodEnd bool
	// BillMaxBytes bounds the bytes of the bill files kept for their
	// download URLs (at most 32 URLs besides); 0 takes the default, 64 MiB.
	BillMaxBytes int64
	// DataDir keeps apps, trades, red packets, notifications and the clock
	// in a file there, so a restarted mock carries on; empty keeps
	// everything in memory.
	DataDir string
	// Store is a shared database, postgres://…, that several mock
	// processes (replicas) use at once to act as one mock
	// (docs/replicas.md); empty keeps state in this process (or DataDir).
	Store string
	// TLS serves the gateway, v3 and the pages over HTTPS too, with a
	// certificate for Alipay's host names (docs/tls.md).
	TLS TLSOptions
	// QRCode is the shape of precreate's qr_code: QRCodeAlipay
	// (https://qr.alipay.com/bax0…, the default with TLS) or QRCodeMock
	// (the mock's own /qr/ page, the default without).
	QRCode string
	// Journal bounds the request journal by entries and bytes; zero values
	// take the defaults (2,000 entries, 32 MiB).
	Journal journal.Options
	// Trades.Keep, Coupons.Keep and Notify.Keep bound the trades, red
	// packets and final notifications kept (docs/limits.md); 0 takes the
	// defaults (100,000, 100,000 and 10,000), a negative value keeps all.
	// Notify.MaxPending bounds the pending notifications the same way
	// (default 100,000): past it the oldest is given up. Trades.KeepBytes
	// bounds the bytes the kept trades hold the same way (default
	// trade.DefaultKeepBytes).

	// writeTimeout bounds the writing of a bill download's, the control
	// API's and the dashboard's answers (writeDeadline); 0 takes
	// DefaultWriteTimeout. Tests make it small.
	writeTimeout time.Duration
}

// Server is a configured mock. Its shared.Deps are the state and services
// every surface works on (Apps, Auth, Trades, Coupons, Scenarios, Journal,
// Clock, Sched, Notifier, Key).
type Server struct {
	tradeTimer tradeTimer
	shared.Deps
	// Faults are answers queued for the gateway through the control API.
	Faults *gateway.Queue

	db      *store.DB
	feeRate int64 // the bills' fee rate, basis points
	// configured are the apps given at start, added after what the store
	// holds is restored: their accounts are kept meanwhile (accountKept).
	configured map[string]bool
	pg         *pgstore.DB   // --store: the shared database (replicas.go)
	kept       *keptPolicies // --data: scenario notification policies (keptpolicies.go)
	// --data: scenario buyers waiting for queries (keptquerypays.go)
	queryPaysKept *keptQueryPays
	buyersKept    keptBuyers // --data: the buyer steps kept as job records (keptjobs.go)
	gw            *gateway.Gateway
	// refollow tells the outbox's follower to read every stored
	// notification again (after another replica's reset).
	refollow  atomic.Bool
	queryPays gateway.QueryPays // --store: pay_after_queries counted in the database
	bg        sync.WaitGroup    // what runs for the shared store
	echo      *echo.Echo
	ln        net.Listener
	http      *http.Server
	ca        *localca.CA
	tlsC      *tls.Config
	tlsLn     net.Listener
	https     *http.Server
	qrCode    string
	stop      chan struct{}
	done      chan struct{}

	// followMu serialises follows of the stored notifications; follow is
	// where the last one stopped (followShared).
	followMu sync.Mutex
	follow   pgstore.Follow
}

// New builds a mock without starting a listener; it is an http.Handler.
// Its scheduler runs until Close. It reads top to bottom: options, store,
// domain, notifier, HTTP; a failure on the way lets go of what was taken.
func New(opts Options) (_ *Server, err error) {
	cfg, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{stop: make(chan struct{}), done: make(chan struct{}), qrCode: cfg.QRCode}
	defer func() {
		if err != nil { // a failed start lets go of the directory and the clock
			close(s.stop) // and stops what share started, which release waits for
			_ = s.release()
		}
	}()

	// Store: a data directory keeps state across restarts.
	if cfg.DataDir != "" && cfg.Store != "" {
		return nil, errors.New("--data and --store cannot be used together")
	}
	if cfg.DataDir != "" {
		if s.db, err = store.Open(cfg.DataDir); err != nil {
			return nil, err
		}
		if cfg.Seed != 0 {
			// A seed replays the same ids: move it on at every start so new
			// trade numbers never collide with stored ones.
			cfg.Seed += int64(s.db.Boots()-1) * 1_000_003
		}
	}

	if cfg.Store != "" {
		if s.pg, err = pgstore.Open(cfg.Store); err != nil {
			return nil, err
		}
		if cfg.Seed != 0 {
			// Every replica, and every start, draws its own ids.
			cfg.Seed += (s.pg.Boots() - 1) * 1_000_003
		}
	}

	// Domain: the books, the rules in force, the scheduler.
	ids := fixtures.New(cfg.Seed)
	registry := apps.NewRegistry(ids)
	s.Deps = shared.Deps{
		Apps:      registry,
		Auth:      appauth.NewBook(cfg.Clock, ids),
		Users:     userauth.NewBook(cfg.Clock),
		Trades:    trade.NewBook(cfg.Clock, ids, cfg.Trades),
		Coupons:   coupon.NewBook(cfg.Clock, ids, cfg.Coupons),
		Royalty:   new(royalty.Relations),
		Fund:      fund.NewBook(cfg.Clock, ids, cfg.Fund),
		Scenarios: scenarios.NewEngine(),
		Journal:   journal.New(cfg.Journal),
		Clock:     cfg.Clock,
		Sched:     clock.NewScheduler(cfg.Clock, cfg.Workers),
		Key:       cfg.AlipayKey,
		IDs:       ids,
		Log:       cfg.Logger,
	}
	s.Trades.ShowUnscannedFor(func(appID string) bool {
		if a, ok := registry.Get(appID); ok && a.ShowUnscanned != nil {
			return *a.ShowUnscanned
		}
		return cfg.Trades.ShowUnscanned
	})
	s.Faults = &gateway.Queue{}
	if !cfg.NoMagicAmounts { // built in: no control-API call removes them
		magic, err := scenarios.MagicAmounts(gateway.Catalogue())
		if err != nil {
			return nil, err
		}
		s.Scenarios.AddBuiltin(magic)
		scenarios.Log(s.Log, magic, "built in (--no-magic-amounts turns it off)")
	}
	if err := s.Scenarios.Add(cfg.Scenarios...); err != nil {
		return nil, err
	}
	for _, f := range cfg.Scenarios {
		from := f.Path
		if from == "" {
			from = "Options.Scenarios"
		}
		scenarios.Log(s.Log, f, from)
	}

	// Notifier: the books' events become notifications and deadlines.
	if cfg.Notify.Log == nil {
		cfg.Notify.Log = cfg.Logger
	}
	s.Notifier = notify.New(s.Key, s.Sched, ids, notify.NewOutbox(), cfg.Notify)
	// The auditor draws notify_ids and buyers from a generator of its own:
	// an audit changes nothing on the mock, a --seed run's numbering included.
	s.Audit = &audit.Auditor{Trades: s.Trades, Key: s.Key, IDs: fixtures.New(auditSeed(cfg.Seed)), Clock: cfg.Clock,
		Timeout: s.Notifier.Timeout(), Transport: cfg.Notify.Transport}
	s.Trades.ObserveStored(s.tradeEvent, nil) // with --data, restore marks untold events (s.retell)
	s.Coupons.ObserveStored(s.couponEvent, nil)
	s.Trades.OnEvict(s.tradesEvicted)
	s.Trades.OnEarlierDeadline(s.armTrades)
	s.Sched.Count(tradeDeadlines, s.Trades.Deadlines)
	s.configured = map[string]bool{}
	for _, sp := range cfg.apps {
		s.configured[sp.AppID] = true
	}
	s.wireFund(cfg.BillFeeRate)
	s.Coupons.OnEvict(s.ordersEvicted)
	s.Fund.OnEvict(s.transfersEvicted)
	// Checks first: a stored app is held to the Alipay key's size too.
	checks := apps.Checks{Methods: alipay.Names(), AlipayKey: &s.Key.PublicKey}
	if cfg.NoDevApp { // no app anyone can sign for, but those given at start
		checks.NoDevKey, checks.DevKeyApps = true, map[string]bool{}
		for _, sp := range cfg.Options.Apps {
			checks.DevKeyApps[sp.AppID] = true
		}
		var told sync.Map // each app once: Restore drops it again at every reload
		checks.Dropped = func(id string) {
			if _, again := told.LoadOrStore(id, true); again {
				return
			}
			s.Log.Warn("stored app not served", "app_id", id,
				"note", "--no-dev-app: its public key is the public half of a private key shipped in keys/dev, which anyone has; give it at start (--app, --apps-file) or register a key of its own")
		}
	}
	s.Apps.SetChecks(checks)
	if s.db != nil {
		if err := s.restore(s.db); err != nil {
			return nil, err
		}
	}
	if s.pg != nil {
		if err := s.share(s.pg); err != nil {
			return nil, err
		}
	}
	// Configured apps after what the store holds. The shipped dev app does
	// not replace a stored one (changed through the control API: the
	// change stays); an app of --apps-file (Options.Apps) is the user's
	// explicit configuration and replaces its stored spec, which is logged.
	for _, sp := range cfg.apps {
		if old, stored := s.Apps.Get(sp.AppID); stored && (s.db != nil || s.pg != nil) {
			if sp.SellerID != "" && sp.SellerID != old.Seller.UserID {
				// An app's merchant never changes (apps.ErrMerchantChange):
				// its stored payments and transfers stay in their account.
				s.Log.Warn("app kept with its stored merchant", "app_id", sp.AppID, "seller_id", old.Seller.UserID, "given", sp.SellerID,
					"note", "an app cannot change merchant (seller_id); give another app_id for that merchant, or start without the stored state")
				sp.SellerID = ""
			}
			if cfg.shippedDevApp(sp) {
				s.Log.Info("app kept as stored", "app_id", sp.AppID,
					"note", "the shipped dev app does not replace the stored one; POST /_mock/apps with keys/dev/app_public_key.pem registers it as shipped")
				continue
			}
			s.Log.Info("app replaced by the configuration", "app_id", sp.AppID,
				"note", "an app given at start (--apps-file) replaces the stored one: changes made to it through the control API are not kept across a restart")
		}
		add := s.Apps.Add
		if sp.AppID == keys.DevCertAppID && cfg.shippedDevApp(sp) {
			// The merchant of 9021000100000001 (shipped or given, added
			// before it): its trades and bills, no new seller drawn.
			add = func(sp apps.Spec) (*apps.App, error) { return s.Apps.AddOf(sp, keys.DevAppID) }
		}
		if _, err := add(sp); err != nil {
			return nil, err
		}
	}

	// TLS: the local CA and the certificate for Alipay's host names.
	if cfg.TLS.Addr != "" {
		if s.ca, s.tlsC, err = openCA(cfg.Options); err != nil {
			return nil, err
		}
	}

	// HTTP: a route group per surface.
	s.echo = s.routes(cfg)
	go func() {
		defer close(s.done)
		s.Sched.Loop(s.stop)
	}()
	if s.pg != nil {
		s.Sched.Elsewhere(s.sweepDue) // an advance answers once they are applied here
		s.runShared()
	}
	return s, nil
}

// release lets go of what New took: the data directory, and the clock's
// hook that writes to it.
func (s *Server) release() error {
	if s.pg != nil {
		if s.Clock != nil {
			s.Clock.OnJump(nil)
		}
		if s.Sched != nil {
			s.Sched.Elsewhere(nil)
		}
		s.Journal.Close()
		s.bg.Wait()
		s.pg.Close()
	}
	if s.db == nil {
		return nil
	}
	s.Clock.OnJump(nil)
	s.Clock.OnSettle(nil)
	if s.Sched != nil {
		s.Sched.AfterRun(nil)
	}
	return s.db.Close()
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
	s.http = s.httpServer()
	go func() { _ = s.http.Serve(ln) }()
	if s.tlsC != nil {
		tln, err := net.Listen("tcp", opts.TLS.Addr)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("--tls-addr: %w", err)
		}
		s.tlsLn = tln
		s.https = s.httpServer()
		s.https.TLSConfig = s.tlsC
		// A handshake an app refuses (it does not trust the CA yet) is the
		// first thing to look for when TLS does not work.
		s.https.ErrorLog = slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn)
		// ServeTLS offers HTTP/2 as well: the Node SDK asks
		// openapi.alipay.com for it on its streaming calls.
		go func() { _ = s.https.ServeTLS(tln, "", "") }()
	}
	return s, nil
}

// httpServer is the mock's HTTP server with its time and size limits.
func (s *Server) httpServer() *http.Server {
	return &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
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
	var errs []error
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, h := range []*http.Server{s.http, s.https} {
		if h != nil {
			errs = append(errs, h.Shutdown(ctx))
		}
	}
	return errors.Join(append(errs, s.release())...)
}

// AlipayKeyFileHint names the shipped file of the Alipay public key, " (also
// keys/dev/alipay_public_key.pem)", when the key in force is the shipped one
// (not --alipay-private-key's); else it is empty.
func (s *Server) AlipayKeyFileHint() string {
	if s.Key.PublicKey.Equal(&keys.DevAlipayPrivateKey().PublicKey) {
		return " (also keys/dev/alipay_public_key.pem)"
	}
	return ""
}

// Banner is the start-up text: where the gateway is, the apps and the key
// fingerprints.
func (s *Server) Banner() string {
	out := fmt.Sprintf("alipay-mock %s\n  gateway:           %s\n  control API:       %s%s/\n  Alipay public key: %s%s/alipay-public-key%s\n                     %s\n",
		Version, s.GatewayURL(), s.URL(), control.Prefix, s.URL(), control.Prefix, s.AlipayKeyFileHint(), keys.Fingerprint(&s.Key.PublicKey))
	for _, a := range s.Apps.All() {
		out += fmt.Sprintf("  app %s (%s, %s) seller %s\n                     %s\n", a.AppID, a.Name, a.SignType, a.Seller.UserID, a.Fingerprint())
	}
	return out
}

// auditSeed is the seed of the auditor's generator: 0 (random) for an
// unseeded mock, else one of its own that follows from the mock's.
func auditSeed(seed int64) int64 {
	if seed == 0 {
		return 0
	}
	if a := seed ^ 0x5eeda0d17a0d17; a != 0 {
		return a
	}
	return 1
}
