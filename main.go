// Command alipay-mock runs a local stand-in for Alipay's gateway.do.
//
//	alipay-mock [serve] [flags]   run the mock (default 127.0.0.1:8080)
//	alipay-mock call METHOD [key=value…] [flags]   sign, send, verify, print
//	alipay-mock sign METHOD [key=value…] [flags]   the string-to-sign and signature
//	alipay-mock verify-notify [FILE]               check a captured notification
//	alipay-mock audit --notify-url URL [flags]     audit a notification handler
//	alipay-mock keys [flags]      generate an app key pair in every format
//	alipay-mock ca [flags]        print the local CA certificate --tls serves from
//	alipay-mock scenarios check PATH...  validate scenario files
//	alipay-mock healthcheck       exit 0 when the mock answers (for Docker)
//	alipay-mock version | --version
//	alipay-mock help [COMMAND]    (or COMMAND -h) the commands and a command's flags
//
// Every flag can also be set through an ALIPAY_MOCK_* environment variable:
// --apps-file is ALIPAY_MOCK_APPS_FILE.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/control"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/journal"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/privdir"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	name := "serve"
	if len(args) > 0 {
		switch a := args[0]; {
		case a == "--version" || a == "-version":
			name, args = "version", args[1:]
		case a == "--help" || a == "-help" || a == "-h":
			name, args = "help", args[1:]
		case !strings.HasPrefix(a, "-"):
			name, args = a, args[1:]
		}
	}
	c, ok := lookup(name)
	if !ok {
		fmt.Fprintf(stderr, "alipay-mock: unknown command %q\n\n", name)
		listCommands(stderr)
		return 2
	}
	err := c.run(args, stdout, stderr)
	var ue usageError
	var ee exitError
	switch {
	case err == nil, errors.Is(err, errHelpShown):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "alipay-mock", ue.Error())
		return 2
	case errors.As(err, &ee):
		return ee.code // the command has said why
	}
	fmt.Fprintln(stderr, "alipay-mock:", err)
	return 1
}

// exitError ends a command that has already said why with a chosen
// status: call's 3 for an answer other than 10000, audit's 3 for a
// finding, verify-notify's 1.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func versionLine() string { return "alipay-mock " + mock.Version }

// parse reads flags, then fills every flag not given on the command line
// from its ALIPAY_MOCK_* variable. -h prints the command's help to stdout.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		printHelp(stdout, fs)
		return errHelpShown
	} else if err != nil {
		return usageError{fs.Name(), err}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		env := "ALIPAY_MOCK_" + envName(f.Name)
		if v, ok := os.LookupEnv(env); ok && !set[f.Name] && err == nil {
			vs := []string{v}
			if _, ok := f.Value.(*multi); ok {
				vs = strings.Split(v, ",") // only the variable lists values
			}
			for _, v := range vs {
				if e := fs.Set(f.Name, v); e != nil && err == nil {
					err = usageError{fs.Name(), fmt.Errorf("%s: %w", env, e)} // exit 2, as on the command line
				}
			}
		}
	})
	return err
}

// multi is a repeatable flag. A command-line value is one value, commas
// and all; parse splits its ALIPAY_MOCK_* variable at commas.
type multi []string

func (m *multi) String() string { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error {
	if v = strings.TrimSpace(v); v != "" {
		*m = append(*m, v)
	}
	return nil
}

const defaultAddr = "127.0.0.1:8080"

func serve(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve")
	var appFlags, scenarioFlags multi
	addr := fs.String("addr", defaultAddr, "listen address (in Docker 0.0.0.0:8080)")
	alipayKey := fs.String("alipay-private-key", "", "the mock's Alipay private key (a file, or PEM or base64 text); default the shipped keys/dev/alipay_private_key.pem")
	fs.Var(&appFlags, "app", "register an app: APP_ID=PUBLIC_KEY_FILE_OR_BASE64[:RSA|RSA2] (repeatable)")
	appsFile := fs.String("apps-file", "", "YAML file with apps: [{app_id, public_key, sign_type, name, seller_id, seller_email}]")
	noDev := fs.Bool("no-dev-app", false, "do not register the shipped development apps "+keys.DevAppID+" (public-key mode) and "+keys.DevCertAppID+" (certificate mode, for fund methods), nor serve any app whose public key is the public half of a private key shipped in keys/dev (anyone can sign with it) but those given at start")
	seed := fs.Int64("seed", 0, "seed for trade numbers, buyers and sellers (0 = random)")
	show := fs.Bool("show-unscanned", false, "simpler than production: an unscanned precreate trade, and a page, wap or app pay trade no buyer logged in to, is WAIT_BUYER_PAY at once (production: ACQ.TRADE_NOT_EXIST and no notification until a buyer scans or logs in); an app's show_unscanned overrides it")
	settleMax := fs.Int("settle-max-percent", trade.DefaultSettleMaxPercent, "most a trade's settlements (alipay.trade.order.settle) may split off together, in percent of its total, 1 to 100 (production's default 30; past it ACQ.ALLOC_AMOUNT_VALIDATE_ERROR)")
	threshold := fs.String("password-threshold", "1000", "barcode pay amount (yuan) from which the buyer must enter a password (10003)")
	tolerance := fs.Duration("timestamp-tolerance", 24*time.Hour, "how far a request's timestamp (read as GMT+8) may be from the wall clock or from the mock's clock; one near either is accepted; 0 turns the check off")
	publicURL := fs.String("public-url", "", "absolute http(s) base URL browsers use to reach the mock (qr_code, cashier); default from each request")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	logFormat := fs.String("log-format", "text", "text (key=value lines) or json (one JSON object a line, for CI log collectors)")
	clockStart := fs.String("clock-start", "", "start the clock at this GMT+8 time (yyyy-MM-dd HH:mm:ss) instead of now")
	clockSpeed := fs.Float64("clock-speed", 1, "clock speed: 1 real time, 60 runs an hour a minute, 0 frozen (moves only through /_mock/clock/advance)")
	var notifySchedule schedule
	_ = notifySchedule.Set("4m,10m,10m,1h,2h,6h,15h")
	fs.Var(&notifySchedule, "notify-schedule", "`waits` between notification attempts after a failure, or none for no retries")
	notifyTimeout := fs.Duration("notify-timeout", 5*time.Second, "wall-time limit of one notification attempt")
	var notifyClosed, notifyFinished trigger
	fs.Var(&notifyClosed, "notify-closed", "which trades get TRADE_CLOSED notices (an unpaid trade closed or expired, a full refund): true (the bare flag) every product's, false none, auto (default) production's per product: app and wap pay's; a value goes after =, as in --notify-closed=false")
	fs.Var(&notifyFinished, "notify-finished", "which trades get TRADE_FINISHED notices (the refund window over): true (the bare flag) every product's, false none, auto (default) production's per product: app pay's; a value goes after =, as in --notify-finished=false")
	workers := fs.Int("notify-workers", 16, "notification attempts in flight at once")
	fs.Var(&scenarioFlags, "scenario", "load a scenario file, or every .yaml file of a directory (repeatable)")
	controlToken := fs.String("control-token", "", "let other hosts use the control API and dashboard when they send this token (needed in Docker, where requests come from the bridge)")
	var allowedHosts multi
	fs.Var(&allowedHosts, "allowed-host", "a Host name (or *.domain, host:port) the control API and dashboard answer besides loopback names and the --public-url host, e.g. a Docker service name (repeatable)")
	crossSite := fs.Bool("allow-cross-site-gateway", false, "as production: let a browser call gateway.do and v3 methods that are not page methods from another site's page, under a Host that is none of the mock's names, or by a GET that names no page (by default refused, 40006 isv.cross-site-request-refused: the dev app's key is public; docs/security.md)")
	dataDir := fs.String("data", "", "keep apps, trades, red packets, notifications and the clock in DIR, so a restart carries on (default: in memory)")
	storeURL := fs.String("store", "", "share trades, notifications and the clock with other alipay-mock processes through PostgreSQL at postgres://URL, so replicas behind a load balancer act as one mock (docs/replicas.md; default: this process only)")
	noMagic := fs.Bool("no-magic-amounts", false, "turn off the built-in test amounts (20000.00 → 20000, 502.00 → 502, …)")
	journalEntries := fs.Int("journal-max-entries", journal.DefaultMaxEntries, "most gateway requests the journal keeps (oldest dropped first)")
	journalPerReplica := fs.Bool("journal-per-replica", false, "with --store, keep each replica's journal in its own memory instead of the shared table (each lists only the requests it served; saves the database a write per batch of requests)")
	journalBytes := fs.String("journal-max-bytes", sizeText(journal.DefaultMaxBytes), "most bytes the journal keeps (oldest dropped first; at least "+sizeText(journal.MinBytes)+"); each value in it is cut at 64 KiB")
	billsAtEnd := fs.Bool("bills-at-period-end", false, "simpler than production: a day's bill is ready at midnight and a month's on the 1st (production makes them the next day by 09:00 GMT+8 and on the 3rd of the next month; before that alipay.data.dataservice.bill.downloadurl.query answers 40004 isv.invalid_arguments, as for a date to come)")
	billBytes := fs.String("bill-max-bytes", sizeText(gateway.DefaultBillMaxBytes), "most bytes of bill files kept for their download URLs (oldest dropped first; at least "+sizeText(gateway.MinBillMaxBytes)+"); a bill asked for again unchanged is kept once")
	keepTrades := fs.Int("keep-trades", trade.DefaultKeep, "most trades kept: past it the app holding the most loses its longest-final (closed, finished), then its oldest; trades no buyer acted on are counted apart, up to as many again; with --data they are deleted from the file too")
	keepTradeBytes := fs.String("keep-trades-bytes", sizeText(trade.DefaultKeepBytes), "most bytes the kept trades hold (GET /_mock/memory's trades.bytes), evicted as for --keep-trades (0: no bound; else at least "+sizeText(trade.MinKeepBytes)+")")
	keepPackets := fs.Int("keep-red-packets", coupon.DefaultKeep, "most red packets and claims kept, evicted like --keep-trades")
	keepTransfers := fs.Int("keep-transfers", fund.DefaultKeep, "most transfers kept: past it the oldest final ones go first, else the oldest DEALING ones (their money stays in the balance); with --data they are deleted from the file too")
	fundPublicKey := fs.Bool("fund-public-key", false, "simpler than production: accept fund methods (alipay.fund.trans.uni.transfer, alipay.fund.trans.common.query, alipay.fund.account.query, red packets alipay.fund.coupon.*) from an app in public-key mode (production takes them only in certificate mode: 40002 isv.missing-app-cert-sn; the dev app "+keys.DevCertAppID+" is in certificate mode)")
	sceneOptional := fs.Bool("transfer-scene-optional", false, "simpler than production: accept alipay.fund.trans.uni.transfer without transfer_scene_name, as production did before December 2025 (production: 40004 TRANSFER_SCENE_NAME_BLANK)")
	keepNotes := fs.Int("keep-notifications", notify.DefaultKeep, "most delivered, given-up or suppressed notifications kept with their attempts (pending ones are bounded by --max-pending-notifications)")
	maxPending := fs.Int("max-pending-notifications", notify.DefaultMaxPending, "most pending notifications kept: one more gives up the oldest at once (production retries for 25 h); 0 is no bound; with --store, for all replicas together")
	tlsOn := fs.Bool("tls", false, "also serve the gateway, v3 and the buyer pages over HTTPS, with a certificate for Alipay's host names (openapi.alipay.com, …) from a local CA (docs/tls.md)")
	tlsAddr := fs.String("tls-addr", "", "HTTPS listen address; setting it turns --tls on (default: --addr's host, port 8443; a free port when --addr's port is 0)")
	caDir := fs.String("ca-dir", "", "keep the local CA and the TLS certificate in DIR (default DATA/ca with --data, else alipay-mock/ca in the user's config directory)")
	var tlsHostFlags multi
	fs.Var(&tlsHostFlags, "tls-host", "another name or IP address for the TLS certificate, besides Alipay's, localhost, 127.0.0.1, ::1 and the --public-url host (repeatable)")
	qrCode := fs.String("qr-code", "", "what precreate's qr_code is: alipay (https://qr.alipay.com/bax0…, as in production; the default with --tls) or mock (the mock's own /qr/ page; the default without)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 { // the flag package drops every flag after it
		return usageError{"serve", fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if err := checkAddr("--addr", *addr); err != nil {
		return err
	}
	if *tlsAddr != "" {
		if err := checkAddr("--tls-addr", *tlsAddr); err != nil {
			return err
		}
	}
	// Flags that mean nothing without another are refused, not ignored.
	if len(tlsHostFlags) > 0 && !*tlsOn && *tlsAddr == "" {
		return usageError{"serve", errors.New("--tls-host needs --tls (or --tls-addr): without it the mock serves no HTTPS and makes no certificate")}
	}
	if *journalPerReplica && *storeURL == "" {
		return usageError{"serve", errors.New("--journal-per-replica needs --store: without replicas every journal is this process's own")}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	var handler slog.Handler
	switch *logFormat {
	case "text":
		handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	case "json":
		handler = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})
	default:
		return usageError{"serve", fmt.Errorf("--log-format %q: want text or json", *logFormat)}
	}
	if err := mock.CheckPublicURL(*publicURL); err != nil {
		return usageError{"serve", err}
	}
	var err error
	logger := slog.New(handler)
	addrGiven := false
	fs.Visit(func(f *flag.Flag) { addrGiven = addrGiven || f.Name == "addr" })
	if env, ok := os.LookupEnv("ALIPAY_MOCK_ADDR"); ok && addrGiven && env != *addr {
		logger.Warn("--addr overrides ALIPAY_MOCK_ADDR", "addr", *addr, "ALIPAY_MOCK_ADDR", env,
			"note", "healthcheck (the Docker image's HEALTHCHECK) and call read the variable and look for the mock there: move the mock with ALIPAY_MOCK_ADDR instead")
	}
	opts := mock.Options{Addr: *addr, NoDevApp: *noDev, Seed: *seed, PublicURL: *publicURL, Logger: logger}
	if *tolerance < 0 { // would turn the check off, which only 0 says
		return usageError{"serve", fmt.Errorf("--timestamp-tolerance %s: want 0 (no check) or more", *tolerance)}
	}
	opts.TimestampTolerance = *tolerance
	if *tolerance == 0 {
		opts.TimestampTolerance = -1
	}
	opts.Trades.ShowUnscanned = *show
	opts.Fund.SceneOptional = *sceneOptional
	opts.FundPublicKey = *fundPublicKey
	opts.BillsAtPeriodEnd = *billsAtEnd
	start := clock.Real{}.Now()
	if *clockStart != "" {
		if start, err = timestamp.Parse(*clockStart); err != nil {
			return fmt.Errorf("--clock-start: %w", err)
		}
	}
	if err := clock.CheckReading(start); err != nil {
		return fmt.Errorf("--clock-start: %w", err)
	}
	if err := clock.CheckSpeed(*clockSpeed); err != nil {
		return fmt.Errorf("--clock-speed: %w", err)
	}
	opts.Clock = clock.NewSim(start, *clockSpeed)
	opts.Notify.Schedule = notifySchedule.waits
	// 0 and less would silently take the defaults.
	if *notifyTimeout <= 0 {
		return usageError{"serve", fmt.Errorf("--notify-timeout %s: want a duration above 0, such as 5s", *notifyTimeout)}
	}
	if *workers < 1 {
		return usageError{"serve", fmt.Errorf("--notify-workers %d: want 1 or more", *workers)}
	}
	opts.Notify.Timeout, opts.Notify.Closed, opts.Notify.Finished = *notifyTimeout, notify.Trigger(notifyClosed), notify.Trigger(notifyFinished)
	opts.Workers = *workers
	opts.NoMagicAmounts = *noMagic
	opts.ControlToken = *controlToken
	opts.AllowedHosts = allowedHosts
	opts.AllowCrossSiteGateway = *crossSite
	opts.DataDir = *dataDir
	opts.Store = *storeURL
	if opts.TLS, err = tlsOptions(*tlsOn, *tlsAddr, *addr, *caDir, tlsHostFlags); err != nil {
		return err
	}
	opts.QRCode = *qrCode
	if *journalEntries < 1 {
		return errors.New("--journal-max-entries must be 1 or more")
	}
	opts.Journal.MaxEntries = *journalEntries
	opts.Journal.PerReplica = *journalPerReplica
	if opts.Journal.MaxBytes, err = parseSizeFlag("--journal-max-bytes", *journalBytes, journal.MinBytes); err != nil {
		return err
	}
	if opts.BillMaxBytes, err = parseSizeFlag("--bill-max-bytes", *billBytes, gateway.MinBillMaxBytes); err != nil {
		return err
	}
	if *keepTradeBytes == "0" {
		opts.Trades.KeepBytes = -1 // none (0 takes the default)
	} else if opts.Trades.KeepBytes, err = parseSizeFlag("--keep-trades-bytes", *keepTradeBytes, trade.MinKeepBytes); err != nil {
		return err
	}
	for _, k := range []struct {
		flag string
		n    int
		to   *int
	}{{"--keep-trades", *keepTrades, &opts.Trades.Keep}, {"--keep-red-packets", *keepPackets, &opts.Coupons.Keep}, {"--keep-notifications", *keepNotes, &opts.Notify.Keep},
		{"--keep-transfers", *keepTransfers, &opts.Fund.Keep}} {
		if k.n < 1 {
			return fmt.Errorf("%s must be 1 or more", k.flag)
		}
		*k.to = k.n
	}
	switch {
	case *maxPending < 0:
		return errors.New("--max-pending-notifications must be 0 (no bound) or more")
	case *maxPending == 0:
		opts.Notify.MaxPending = -1 // none (0 takes the default)
	default:
		opts.Notify.MaxPending = *maxPending
	}
	var problems scenarios.Problems // of every --scenario, not only the first that has some
	for _, path := range scenarioFlags {
		files, err := scenarios.LoadPath(path, gateway.Catalogue())
		var ps scenarios.Problems
		if errors.As(err, &ps) {
			problems = append(problems, ps...)
		} else if err != nil {
			return fmt.Errorf("--scenario %s: %w", path, err)
		}
		opts.Scenarios = append(opts.Scenarios, files...)
	}
	if len(problems) > 0 {
		return fmt.Errorf("--scenario: %d problem(s):\n%w", len(problems), problems)
	}
	th, err := amount.Parse(*threshold)
	if err == nil && th < 0 {
		err = errors.New("a negative amount")
	}
	if err != nil {
		return fmt.Errorf("--password-threshold: %w", err)
	}
	opts.Trades.PasswordThreshold = th
	if *settleMax < 1 || *settleMax > 100 {
		return fmt.Errorf("--settle-max-percent must be 1 to 100, not %d", *settleMax)
	}
	opts.Trades.SettleMaxPercent = *settleMax
	if *alipayKey != "" {
		if opts.AlipayKey, err = keys.LoadPrivateKey(*alipayKey); err != nil {
			return fmt.Errorf("--alipay-private-key: %w", err)
		}
	}
	if *appsFile != "" {
		specs, err := readAppsFile(*appsFile)
		if err != nil {
			return err
		}
		opts.Apps = append(opts.Apps, specs...)
	}
	for _, a := range appFlags {
		sp, err := parseAppFlag(a)
		if err != nil {
			return err
		}
		if _, err := keys.LoadPublicKey(sp.PublicKey); err != nil && !errors.Is(err, keys.ErrNotPublicKey) {
			return fmt.Errorf("--app %s: %w", sp.AppID, err) // before the registry, which does not know the flag
		}
		opts.Apps = append(opts.Apps, sp)
	}
	// Catch signals before the banner: a supervisor that stops the mock as
	// soon as it announces itself must get a clean exit.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	mock.SetGCTarget() // GOGC, when set, wins (docs/limits.md)
	srv, err := mock.Start(opts)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, banner(srv, *dataDir))
	<-ctx.Done()
	return srv.Close()
}

// scenariosCmd validates scenario files: unknown fields, methods that do
// not exist, rules that can never match, each with file and line.
func scenariosCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		args = []string{"check", "-h"}
	}
	if len(args) == 0 || args[0] != "check" {
		return usageError{"scenarios", errors.New("want: alipay-mock scenarios check PATH…")}
	}
	fs := newFlags("scenarios check")
	if err := parse(fs, args[1:], stdout); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"scenarios", errors.New("check needs one or more files or directories")}
	}
	var problems, files, rules int
	for _, path := range fs.Args() {
		fs, err := scenarios.LoadPath(path, gateway.Catalogue())
		for _, f := range fs {
			files++
			rules += len(f.Rules)
		}
		var ps scenarios.Problems
		if errors.As(err, &ps) {
			for _, p := range ps {
				fmt.Fprintln(stderr, p.Error())
			}
			problems += len(ps)
		} else if err != nil {
			return err
		}
	}
	if problems > 0 {
		return fmt.Errorf("%d problem(s)", problems)
	}
	fmt.Fprintf(stdout, "ok: %d file(s), %d rule(s)\n", files, rules)
	return nil
}

// parseSize reads a byte count: a number, or one with KiB, MiB or GiB
// (KB, MB and GB are read the same way, as powers of 1024).
func parseSize(v string) (int64, error) {
	v = strings.TrimSpace(v)
	mult := int64(1)
	upper := strings.ToUpper(v)
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(upper, u.suffix) {
			v, mult = strings.TrimSpace(v[:len(v)-len(u.suffix)]), u.n
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size", v)
	}
	return n * mult, nil
}

// parseSizeFlag is parseSize for flag, refusing a size under least.
func parseSizeFlag(flag, v string, least int64) (int64, error) {
	n, err := parseSize(v)
	if err != nil || n < least {
		return 0, fmt.Errorf("%s: %q is not a size of at least %s (such as 8MiB, 512MiB, 2GiB or a number of bytes)", flag, v, sizeText(least))
	}
	return n, nil
}

// sizeText writes n as parseSize reads it: in GiB, MiB or KiB when whole,
// else in bytes.
func sizeText(n int64) string {
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.n == 0 {
			return strconv.FormatInt(n/u.n, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// schedule is --notify-schedule, read when set (from the command line or
// its variable, so the refusal names the one given).
type schedule struct {
	text  string
	waits []time.Duration
}

func (s *schedule) String() string {
	if s == nil {
		return ""
	}
	return s.text
}

func (s *schedule) Set(v string) error {
	w, err := parseSchedule(v)
	if err != nil {
		return err
	}
	s.text, s.waits = v, w
	return nil
}

// trigger is --notify-closed and --notify-finished: true (also the bare
// flag), false or auto.
type trigger notify.Trigger

func (g *trigger) IsBoolFlag() bool { return true }

func (g *trigger) String() string {
	if g == nil {
		return ""
	}
	switch notify.Trigger(*g) {
	case notify.Always:
		return "true"
	case notify.Never:
		return "false"
	}
	return "auto"
}

func (g *trigger) Set(v string) error {
	if strings.TrimSpace(v) == "auto" {
		*g = trigger(notify.ByProduct)
		return nil
	}
	on, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return errors.New("want true, false or auto")
	}
	*g = trigger(notify.Never)
	if on {
		*g = trigger(notify.Always)
	}
	return nil
}

// parseSchedule reads --notify-schedule: waits separated by commas, or
// "none" for one attempt and no retries (an empty, non-nil schedule).
func parseSchedule(v string) ([]time.Duration, error) {
	if strings.TrimSpace(v) == "none" {
		return []time.Duration{}, nil
	}
	var out []time.Duration
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		d, err := time.ParseDuration(p)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%q is not a positive duration", p)
		}
		out = append(out, d)
	}
	if out == nil { // nil would be the default schedule
		return nil, fmt.Errorf("%q names no wait: give waits such as 4m,10m, or none for no retries", v)
	}
	return out, nil
}

// signTypeLike is what a mistyped sign type looks like (RSA3, SHA256),
// unlike the rest of a path or of base64 key text.
var signTypeLike = regexp.MustCompile(`^[A-Z][A-Z0-9_-]{0,9}$`)

// parseAppFlag reads APP_ID=KEY[:SIGN_TYPE].
func parseAppFlag(v string) (apps.Spec, error) {
	id, rest, ok := strings.Cut(v, "=")
	if !ok {
		return apps.Spec{}, fmt.Errorf("--app %q: want APP_ID=PUBLIC_KEY[:RSA|RSA2]", v)
	}
	sp := apps.Spec{AppID: id, PublicKey: rest}
	if i := strings.LastIndex(rest, ":"); i >= 0 {
		switch st := strings.ToUpper(rest[i+1:]); {
		case st == "RSA" || st == "RSA2":
			sp.PublicKey, sp.SignType = rest[:i], st
		case signTypeLike.MatchString(st):
			return apps.Spec{}, fmt.Errorf("--app %s: sign type %q is not RSA or RSA2 (after the last ':' of APP_ID=PUBLIC_KEY[:RSA|RSA2])", id, rest[i+1:])
		}
	}
	return sp, nil
}

func readAppsFile(path string) ([]apps.Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f struct {
		Apps []apps.Spec `yaml:"apps"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// Key and certificate file paths are relative to the apps file.
	rel := func(k string) string {
		k = strings.TrimSpace(k)
		if k != "" && !strings.HasPrefix(k, "-----") && !strings.HasPrefix(k, "MII") && !filepath.IsAbs(k) {
			return filepath.Join(filepath.Dir(path), k)
		}
		return k
	}
	for i := range f.Apps {
		f.Apps[i].PublicKey, f.Apps[i].AppCert = rel(f.Apps[i].PublicKey), rel(f.Apps[i].AppCert)
	}
	return f.Apps, nil
}

func genKeys(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("keys")
	bits := fs.Int("bits", 2048, "key size: at least 2048 for RSA2, 1024 for RSA (SHA1)")
	out := fs.String("out", "", "write the files into this directory instead of printing them; refused when one of them is there already")
	force := fs.Bool("force", false, "with --out, replace files already there (a key pair registered somewhere is lost)")
	certFor := fs.String("cert", "", "also issue certificate-mode files for this app id: the app certificate (from the mock's dev CA), the root bundle and the Alipay certificate of the shipped Alipay key")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"keys", fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if err := sign.CheckKeyBits(sign.RSA, *bits); err != nil {
		return usageError{"keys", fmt.Errorf("--bits %d: %w; 2048 or more for RSA2", *bits, err)}
	}
	if *force && *out == "" {
		return usageError{"keys", errors.New("--force needs --out: without it the keys are printed and no file is replaced")}
	}
	names := []string{"app_private_key_pkcs1.pem", "app_private_key_pkcs8.pem", "app_private_key_pkcs1.txt",
		"app_private_key_pkcs8.txt", "app_public_key.pem", "app_public_key.txt"}
	if *certFor != "" {
		if err := apps.CheckAppID(*certFor); err != nil {
			return usageError{"keys", fmt.Errorf("--cert: %w", err)}
		}
		names = append(names, "appCertPublicKey_"+*certFor+".crt", "alipayRootCert.crt", "alipayCertPublicKey_RSA2.crt")
	}
	if *out != "" && !*force {
		for _, n := range names {
			if _, err := os.Lstat(filepath.Join(*out, n)); err == nil {
				return fmt.Errorf("--out %s: %s is there already (a key pair registered somewhere would be lost): choose another directory, or add --force to replace it", *out, n)
			}
		}
	}
	p, err := keys.Generate(*bits)
	if err != nil {
		return err
	}
	bodies := []string{string(p.PrivatePKCS1PEM), string(p.PrivatePKCS8PEM), p.PrivatePKCS1Base64 + "\n",
		p.PrivatePKCS8Base64 + "\n", string(p.PublicPEM), p.PublicBase64 + "\n"}
	if *certFor != "" {
		now := clock.Real{}.Now()
		appCert, err := keys.DevAuthority().IssueAppCert(&p.Private.PublicKey, *certFor, now.Add(-time.Hour), now.AddDate(5, 0, 0))
		if err != nil {
			return err
		}
		bodies = append(bodies, string(appCert), string(keys.DevRootCertPEM()), string(keys.DevAlipayCertPEM()))
	}
	if *out == "" {
		for i, n := range names {
			fmt.Fprintf(stdout, "# %s\n%s\n", n, bodies[i])
		}
		fmt.Fprintf(stdout, "# fingerprint %s\n", keys.Fingerprint(&p.Private.PublicKey))
		return nil
	}
	if err := privdir.Make(*out, "--out directory"); err != nil {
		return err
	}
	for i, n := range names {
		mode := os.FileMode(0o644)
		if strings.Contains(n, "private") {
			mode = 0o600
		}
		if err := privdir.WriteFile(filepath.Join(*out, n), []byte(bodies[i]), mode); err != nil {
			return err
		}
	}
	flagType, specType := "", "" // RSA2, the default, needs 2048 bits
	if sign.CheckKeyBits(sign.RSA2, *bits) != nil {
		flagType, specType = ":RSA", ", sign_type: RSA"
	}
	fmt.Fprintf(stdout, "wrote %d files to %s\nregister the app with: --app APP_ID=%s%s\n", len(names), *out, filepath.Join(*out, "app_public_key.pem"), flagType)
	if *certFor != "" {
		fmt.Fprintf(stdout, "or in certificate mode, in --apps-file: {app_id: %s, app_cert: %s%s}\n", *certFor, filepath.Join(*out, "appCertPublicKey_"+*certFor+".crt"), specType)
	}
	return nil
}

// checkAddr refuses a listen address that is no host:port (8080, a URL)
// with the form it wants, as a usage error.
func checkAddr(flag, v string) error {
	if _, _, err := net.SplitHostPort(v); err != nil || strings.Contains(v, "/") {
		return usageError{"serve", fmt.Errorf("%s %q: want host:port, e.g. :8080 (every interface) or 127.0.0.1:8080", flag, v)}
	}
	return nil
}

// mockBase is a running mock's base URL: url when given, else the one of
// its listen address (a wildcard host is reached on 127.0.0.1).
func mockBase(addr, url string) (string, error) {
	if url != "" {
		return strings.TrimSuffix(url, "/"), nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--addr: %w", err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// healthcheck asks a running mock for /_mock/health. By default it finds
// the mock through --addr (or ALIPAY_MOCK_ADDR), as the Docker HEALTHCHECK
// does, and shows --control-token (ALIPAY_MOCK_CONTROL_TOKEN), which the
// serve command in the same environment reads too: without it, a mock
// reached by another name or address than loopback's answers 403.
func healthcheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("healthcheck")
	addr := fs.String("addr", defaultAddr, "the mock's listen address")
	url := fs.String("url", "", "the mock's base URL (overrides --addr)")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	token := fs.String("control-token", "", "the mock's control token, sent as "+control.TokenHeader)
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"healthcheck", fmt.Errorf("unexpected argument %q (give the mock's URL as --url)", fs.Arg(0))}
	}
	if *url != "" {
		if u, err := neturl.Parse(*url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageError{"healthcheck", fmt.Errorf("--url %q: want the mock's base URL with its scheme, e.g. http://localhost:8080", *url)}
		}
	}
	base, err := mockBase(*addr, *url)
	if err != nil {
		return usageError{"healthcheck", err}
	}
	tok, err := control.CleanToken(*token) // as serve takes it
	if err != nil {
		return usageError{"healthcheck", err}
	}
	req, err := http.NewRequest(http.MethodGet, strings.TrimSuffix(base, "/")+"/_mock/health", nil)
	if err != nil {
		return err
	}
	if tok != "" {
		req.Header.Set(control.TokenHeader, tok)
	}
	// Redirects are not followed: the token is a custom header, which
	// net/http would copy to whatever host a redirect names.
	c := &http.Client{Timeout: *timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return fmt.Errorf("unhealthy: HTTP %d redirect to %q (not followed: give --url the mock's own address)", resp.StatusCode, loc)
	}
	var h struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&h); err != nil || resp.StatusCode != http.StatusOK || h.Status != "ok" {
		if h.Error != "" && (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized) {
			return fmt.Errorf("unhealthy: HTTP %d: %s", resp.StatusCode, h.Error)
		}
		return fmt.Errorf("unhealthy: HTTP %d", resp.StatusCode)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}
