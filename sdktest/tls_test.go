package sdktest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	alipayhosts "github.com/alipay-mock/alipay-mock/alipay"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/go-pay/gopay"
	"github.com/go-pay/gopay/alipay"
	"github.com/go-pay/gopay/pkg/xhttp"
)

// tlsMock is a mock serving Alipay's names over TLS: what an app sees
// when openapi.alipay.com resolves to the mock and it trusts the CA.
type tlsMock struct {
	srv    *mock.Server
	caFile string // the CA certificate, PEM, as `alipay-mock ca --out` writes it
	roots  *x509.CertPool
}

func startTLSMock(t *testing.T) *tlsMock {
	t.Helper()
	if os.Getenv("SDKTEST_MOCK_URL") != "" {
		t.Skip("the TLS tests run their own mock (they need its CA)")
	}
	srv, err := mock.Start(mock.Options{Addr: "127.0.0.1:0", TLS: mock.TLSOptions{Addr: "127.0.0.1:0", CADir: t.TempDir()}})
	if err != nil {
		t.Fatalf("mock.Start: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	caFile := filepath.Join(t.TempDir(), "alipay-mock-ca.pem")
	if err := os.WriteFile(caFile, srv.CA().CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	return &tlsMock{srv: srv, caFile: caFile, roots: srv.CA().Pool()}
}

// dial is the app's resolver: Alipay's names on port 443 reach the mock's
// TLS listener; anything else is refused, so nothing leaves the machine.
func (m *tlsMock) dial(t *testing.T) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil || port != "443" || !slices.Contains(alipayhosts.Hosts, host) {
			t.Errorf("dialled %s: not an Alipay name on port 443", addr)
			return nil, errors.New("refused: " + addr)
		}
		return (&net.Dialer{}).DialContext(ctx, network, m.srv.TLSAddr())
	}
}

// buyer opens the production qr_code (https://qr.alipay.com/bax0…) and
// acts on the page, through the same resolver and trust.
func (m *tlsMock) buyer(t *testing.T, qrCode string, actions ...string) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{DialContext: m.dial(t), TLSClientConfig: &tls.Config{RootCAs: m.roots}}}
	for _, a := range actions {
		resp, err := hc.PostForm(qrCode, url.Values{"action": {a}})
		if err != nil {
			t.Fatalf("%s on %s: %v", a, qrCode, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s on %s: HTTP %d", a, qrCode, resp.StatusCode)
		}
	}
}

// TestGopayProductionHostOverTLS: gopay as shipped, isProd true, so it
// calls https://openapi.alipay.com/gateway.do. The only change is to the
// HTTP client it exposes: its transport's dialer and root CAs. No
// RoundTripper rewrites the URL; TLS, SNI and Host are Alipay's.
func TestGopayProductionHostOverTLS(t *testing.T) {
	t.Parallel()
	m := startTLSMock(t)
	dev := devCredentials()
	gp, err := alipay.NewClient(dev.AppID, dev.AppPrivateKeyPKCS8Base64, true)
	if err != nil {
		t.Fatal(err)
	}
	hc := xhttp.NewClient()
	tr, ok := hc.HttpClient.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("gopay's transport is a %T, not *http.Transport", hc.HttpClient.Transport)
	}
	tr.DialContext = m.dial(t)
	tr.TLSClientConfig = &tls.Config{RootCAs: m.roots}
	gp.SetHttpClient(hc)
	gp.AutoVerifySign([]byte(dev.AlipayPublicKeyPEM))
	ctx := context.Background()

	no := newID("GPTLS")
	pre, err := gp.TradePrecreate(ctx, gopay.BodyMap{"out_trade_no": no, "total_amount": "66.60", "subject": "gopay over TLS"})
	if err != nil {
		t.Fatalf("TradePrecreate: %v", err)
	}
	if qr := pre.Response.QrCode; !strings.HasPrefix(qr, "https://qr.alipay.com/bax0") {
		t.Fatalf("qr_code %q, want production's https://qr.alipay.com/bax0…", qr)
	}
	m.buyer(t, pre.Response.QrCode, "scan", "pay")
	q, err := gp.TradeQuery(ctx, gopay.BodyMap{"out_trade_no": no})
	if err != nil {
		t.Fatalf("TradeQuery: %v", err)
	}
	if q.Response.TradeStatus != "TRADE_SUCCESS" || q.Response.TotalAmount != "66.60" || q.Sign == "" {
		t.Fatalf("TradeQuery: %+v (signed: %v)", q.Response, q.Sign != "")
	}
	r, err := gp.TradeRefund(ctx, gopay.BodyMap{"out_trade_no": no, "refund_amount": "6.60", "out_request_no": newID("R")})
	if err != nil || r.Response.RefundFee != "6.60" {
		t.Fatalf("TradeRefund: %+v %v", r, err)
	}
	// A business error comes back as gopay's BizErr, as from production.
	_, err = gp.TradeQuery(ctx, gopay.BodyMap{"out_trade_no": newID("GPTLSNONE")})
	if bz, ok := alipay.IsBizError(err); !ok || bz.SubCode != "ACQ.TRADE_NOT_EXIST" {
		t.Errorf("unknown trade: %v", err)
	}
	// Without the CA the same client fails the handshake.
	plain := xhttp.NewClient()
	plain.HttpClient.Transport.(*http.Transport).DialContext = m.dial(t)
	gp.SetHttpClient(plain)
	_, err = gp.TradeQuery(ctx, gopay.BodyMap{"out_trade_no": no})
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("without the CA: %v, want x509.UnknownAuthorityError", err)
	}
}
