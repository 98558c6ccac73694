package mock

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/alipay"
	"github.com/alipay-mock/alipay-mock/mock/localca"
	"github.com/alipay-mock/alipay-mock/mock/shared"
	"github.com/alipay-mock/alipay-mock/mock/web"
)

// TLSOptions serve the mock over HTTPS as well, with a server certificate
// for Alipay's host names from a local CA (docs/tls.md).
type TLSOptions struct {
	// Addr is where Start listens for HTTPS, e.g. 127.0.0.1:8443 or :443;
	// empty serves no HTTPS.
	Addr string
	// CADir keeps the local CA and the server certificate; default
	// DataDir/ca when DataDir is set, else localca.DefaultDir().
	CADir string
	// Hosts are more names or addresses for the certificate, besides
	// alipay.Hosts, localhost, 127.0.0.1, ::1 and the PublicURL host.
	Hosts []string
	// Now dates the certificates; default the wall clock (TLS clients
	// check certificates against theirs, never against the mock's clock).
	Now func() time.Time
}

// QR code styles (Options.QRCode).
const (
	// QRCodeAlipay: qr_code is https://qr.alipay.com/bax0…, as in
	// production; the default with TLS.
	QRCodeAlipay = "alipay"
	// QRCodeMock: qr_code is the mock's own page, PublicURL + /qr/bax0…;
	// the default without TLS.
	QRCodeMock = "mock"
)

// tlsDefaults fills in the CA directory and the QR code style.
func (opts *Options) tlsDefaults() error {
	switch opts.QRCode {
	case "":
		opts.QRCode = QRCodeMock
		if opts.TLS.Addr != "" {
			opts.QRCode = QRCodeAlipay
		}
	case QRCodeMock:
	case QRCodeAlipay:
		if opts.TLS.Addr == "" {
			return fmt.Errorf("--qr-code %s needs --tls: https://%s reaches the mock only over HTTPS", QRCodeAlipay, alipay.QRHost)
		}
	default:
		return fmt.Errorf("--qr-code %q: want %s or %s", opts.QRCode, QRCodeAlipay, QRCodeMock)
	}
	if opts.TLS.Addr == "" {
		return nil
	}
	for _, h := range opts.TLS.Hosts {
		if err := checkTLSHost(h); err != nil {
			return err
		}
	}
	dir, err := localca.Dir(opts.TLS.CADir, opts.DataDir)
	opts.TLS.CADir = dir
	return err
}

// checkTLSHost reports whether a --tls-host is a host name or IP address,
// read as an --allowed-host is (control.CheckAllowedHost).
func checkTLSHost(h string) error {
	if strings.TrimSpace(h) == "" || strings.ContainsAny(h, "/?#@ \t") {
		return fmt.Errorf("--tls-host %q: want a host name or IP address (no scheme or path)", h)
	}
	if err := shared.CheckAllowed(h); err != nil {
		return fmt.Errorf("--tls-host %q: %v", h, err)
	}
	return nil
}

// tlsHosts are the names the server certificate carries.
func tlsHosts(opts Options) []string {
	hs := append(slices.Clone(alipay.Hosts), "localhost", "127.0.0.1", "::1")
	if u, err := url.Parse(opts.PublicURL); err == nil && u.Hostname() != "" {
		hs = append(hs, u.Hostname())
	}
	return localca.Hosts(append(hs, opts.TLS.Hosts...)...)
}

// openCA loads (or makes) the local CA and the TLS configuration that
// serves its certificate for the mock's hosts.
func openCA(opts Options) (*localca.CA, *tls.Config, error) {
	ca, err := localca.Open(opts.TLS.CADir, opts.TLS.Now)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := ca.TLSConfig(tlsHosts(opts))
	if err != nil {
		return nil, nil, err
	}
	return ca, cfg, nil
}

// QRCodeStyle is what precreate's qr_code is: QRCodeAlipay or QRCodeMock.
func (s *Server) QRCodeStyle() string { return s.qrCode }

// CA is the local CA of a mock with TLS, else nil.
func (s *Server) CA() *localca.CA { return s.ca }

// TLSURL is the HTTPS base URL of a started mock with TLS, e.g.
// https://127.0.0.1:8443, else "".
func (s *Server) TLSURL() string {
	if s.tlsLn == nil {
		return ""
	}
	return "https://" + s.tlsLn.Addr().String()
}

// TLSAddr is the address the HTTPS listener is on, for a dialer that
// sends Alipay's host names to the mock.
func (s *Server) TLSAddr() string {
	if s.tlsLn == nil {
		return ""
	}
	return s.tlsLn.Addr().String()
}

// qrPath is the path of a production qr_code: /bax0 and the token.
var qrPath = regexp.MustCompile(`^/(bax0[a-z2-7]+(?:\.png)?)$`)

// qrHost sends https://qr.alipay.com/bax0… to the mock's QR page: the
// path of a request to that host is read as /qr/bax0…. Other paths and
// hosts go on as they came.
func qrHost(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if strings.EqualFold(strings.TrimSuffix(host, "."), alipay.QRHost) {
			if m := qrPath.FindStringSubmatch(r.URL.Path); m != nil {
				r.URL.Path, r.URL.RawPath = web.QRPrefix+"/"+m[1], ""
			}
		}
		return next(c)
	}
}
