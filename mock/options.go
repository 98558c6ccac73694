package mock

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/control"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/limits"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// config is Options with every default filled in, and what follows from
// them: the apps to register and the certificate of the Alipay key.
type config struct {
	Options
	apps         []apps.Spec
	alipayCert   []byte
	alipayCertSN string
}

// withDefaults fills in every default of the options and checks them.
func (opts Options) withDefaults() (config, error) {
	if opts.Clock == nil {
		opts.Clock = clock.NewSim(clock.Real{}.Now(), 1)
	}
	if opts.Workers <= 0 {
		opts.Workers = 16
	}
	if opts.writeTimeout <= 0 {
		opts.writeTimeout = DefaultWriteTimeout
	}
	if opts.BillFeeRate <= 0 {
		opts.BillFeeRate = 60
	}
	if opts.AlipayKey == nil {
		opts.AlipayKey = keys.DevAlipayPrivateKey()
	}
	// The least any answer needs; an RSA2 app needs 2048 (apps.Checks).
	if err := sign.CheckKeyBits(sign.RSA, opts.AlipayKey.N.BitLen()); err != nil {
		return config{}, fmt.Errorf("Alipay private key: %w", err)
	}
	var err error
	if opts.ControlToken, err = control.CleanToken(opts.ControlToken); err != nil {
		return config{}, err
	}
	for _, h := range opts.AllowedHosts {
		if err := control.CheckAllowedHost(h); err != nil {
			return config{}, err
		}
	}
	if err := CheckPublicURL(opts.PublicURL); err != nil {
		return config{}, err
	}
	if err := opts.tlsDefaults(); err != nil {
		return config{}, err
	}
	// An app given twice would keep the last alone: the first's key and
	// sign type gone, every call it signs isv.invalid-signature.
	given := map[string]bool{}
	for _, sp := range opts.Apps {
		if given[sp.AppID] {
			return config{}, fmt.Errorf("apps: app_id %s is given twice (--apps-file, --app): give each app once", sp.AppID)
		}
		given[sp.AppID] = true
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
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
	if p := opts.Trades.SettleMaxPercent; p < 0 || p > 100 {
		return config{}, fmt.Errorf("Trades.SettleMaxPercent must be 1 to 100 (0: the default %d), not %d", trade.DefaultSettleMaxPercent, p)
	}
	opts.Trades.Keep = keep(opts.Trades.Keep, trade.DefaultKeep)
	switch {
	case opts.Trades.KeepBytes == 0:
		opts.Trades.KeepBytes = trade.DefaultKeepBytes
	case opts.Trades.KeepBytes < 0:
		opts.Trades.KeepBytes = 0 // none
	}
	opts.Coupons.Keep = keep(opts.Coupons.Keep, coupon.DefaultKeep)
	opts.Notify.Keep = keep(opts.Notify.Keep, notify.DefaultKeep)
	opts.Notify.MaxPending = keep(opts.Notify.MaxPending, notify.DefaultMaxPending)
	cfg := config{Options: opts, apps: opts.Apps}
	// The shipped dev apps, but one an apps spec names the id of: that spec
	// replaces it (added twice, replicas on one --store would briefly read
	// the shipped spec over the given one while another replica starts).
	// The dev app first, the certificate-mode one last: it takes the
	// merchant of 9021000100000001, shipped or given, and draws no seller
	// (a seed's numbers stay as they were).
	if !opts.NoDevApp {
		dev, cert := apps.DevSpec(), apps.DevCertSpec()
		cfg.apps = nil
		if !named(opts.Apps, dev.AppID) {
			cfg.apps = append(cfg.apps, dev)
		}
		cfg.apps = append(cfg.apps, opts.Apps...)
		if !named(opts.Apps, cert.AppID) {
			cfg.apps = append(cfg.apps, cert)
		}
	}
	cfg.alipayCert, cfg.alipayCertSN, err = alipayCertificate(opts)
	return cfg, err
}

// shippedDevApp reports whether sp is a shipped dev app the mock added,
// not an app of the user's that names its id.
func (c config) shippedDevApp(sp apps.Spec) bool {
	return (sp.AppID == keys.DevAppID || sp.AppID == keys.DevCertAppID) && !named(c.Options.Apps, sp.AppID)
}

// named reports whether specs name the app id.
func named(specs []apps.Spec, appID string) bool {
	return slices.ContainsFunc(specs, func(a apps.Spec) bool { return a.AppID == appID })
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

// CheckPublicURL reports whether a --public-url is empty or an absolute
// http(s) base URL: qr_code and cashier URLs are made from it, and one
// without a scheme ("localhost:8080") makes URLs no browser opens.
func CheckPublicURL(v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	// Paths go after it, so no query or fragment, not even an empty "?" or "#".
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" || u.User != nil || strings.ContainsAny(v, "?#") {
		return fmt.Errorf("--public-url %q: want an absolute http or https base URL, such as http://localhost:8080", v)
	}
	if p := u.Port(); p != "" || strings.HasSuffix(u.Host, ":") {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("--public-url %q: port %q is not a port number (1 to 65535)", v, p)
		}
	}
	return nil
}
