package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay"
	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/journal"
)

// alipayDialer is what /etc/hosts or Docker's extra_hosts do for an app:
// Alipay's names on port 443 connect to the mock's TLS listener. Any
// other address is refused, so nothing leaves the machine.
func alipayDialer(t *testing.T, tlsAddr string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil || port != "443" || !slices.Contains(alipay.Hosts, host) {
			t.Errorf("the app dialled %s, which is not an Alipay name on port 443", addr)
			return nil, errors.New("refused by the test's resolver: " + addr)
		}
		var d net.Dialer
		return d.DialContext(ctx, network, tlsAddr)
	}
}

// An unmodified app: the production gateway URL, a plain http.Client that
// trusts the mock's CA, and names resolved to the mock. No RoundTripper
// rewrites anything: TLS, SNI and the Host header are Alipay's.
func TestProductionURLOverTLS(t *testing.T) {
	srv := startMock(t, mock.Options{TLS: mock.TLSOptions{Addr: "127.0.0.1:0", CADir: t.TempDir()}})
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(srv.CA().CertPEM()) {
		t.Fatal("the CA PEM does not parse")
	}
	hc := &http.Client{
		Transport: &http.Transport{DialContext: alipayDialer(t, srv.TLSAddr()), TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true},
		// The buyer's page posts back to itself; redirects are not followed
		// silently anywhere else.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	c := mockClient(t, srv, func(cfg *client.Config) {
		cfg.GatewayURL = client.ProductionGateway
		cfg.HTTPClient = hc
	})
	ctx := context.Background()
	pre, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "TLS-1", TotalAmount: amount.MustParse("12.30"), Subject: "TLS"}})
	if err != nil {
		t.Fatal(err)
	}
	// With TLS, qr_code is production's: https://qr.alipay.com/bax0…
	if !strings.HasPrefix(pre.QRCode, "https://qr.alipay.com/bax0") {
		t.Fatalf("qr_code %q, want https://qr.alipay.com/bax0…", pre.QRCode)
	}
	// The buyer opens it: the mock's QR page, over TLS, for this trade.
	resp, err := hc.Get(pre.QRCode)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "TLS-1") {
		t.Fatalf("GET %s: HTTP %d, want the QR page of TLS-1: %.300s", pre.QRCode, resp.StatusCode, page)
	}
	if resp.ProtoMajor != 2 {
		t.Errorf("served over %s, want HTTP/2, which the Node SDK's streaming calls need", resp.Proto)
	}
	// ...and pays on it.
	for _, act := range []string{"scan", "pay"} {
		resp, err = hc.PostForm(pre.QRCode, url.Values{"action": {act}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s on the QR page: HTTP %d", act, resp.StatusCode)
		}
	}
	q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "TLS-1"})
	if err != nil {
		t.Fatal(err)
	}
	if q.TradeStatus != "TRADE_SUCCESS" || q.TotalAmount != amount.MustParse("12.30") {
		t.Errorf("after paying on https://qr.alipay.com: %s %s", q.TradeStatus, q.TotalAmount)
	}
	// v3 on the same production host.
	q3, err := c.QueryV3(ctx, client.QueryRequest{OutTradeNo: "TLS-1"})
	if err != nil {
		t.Fatal(err)
	}
	if q3.TradeStatus != "TRADE_SUCCESS" {
		t.Errorf("v3 query: %s", q3.TradeStatus)
	}
	// The sandbox names work the same way.
	sandbox := mockClient(t, srv, func(cfg *client.Config) {
		cfg.GatewayURL = client.SandboxGateway
		cfg.HTTPClient = hc
	})
	if _, err := sandbox.Query(ctx, client.QueryRequest{OutTradeNo: "TLS-1"}); err != nil {
		t.Errorf("sandbox gateway: %v", err)
	}
	// The control API is not on Alipay's names, even over this trusted
	// connection from loopback.
	resp, err = hc.Get("https://openapi.alipay.com/_mock/apps")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "Alipay host name") {
		t.Errorf("control API on openapi.alipay.com: HTTP %d %s", resp.StatusCode, body)
	}
}

// An app that does not trust the CA fails the handshake: the mock never
// gets its request, as with any certificate it cannot verify.
func TestProductionURLWithoutTheCAFails(t *testing.T) {
	srv := startMock(t, mock.Options{TLS: mock.TLSOptions{Addr: "127.0.0.1:0", CADir: t.TempDir()}})
	hc := &http.Client{Transport: &http.Transport{DialContext: alipayDialer(t, srv.TLSAddr())}}
	c := mockClient(t, srv, func(cfg *client.Config) {
		cfg.GatewayURL = client.ProductionGateway
		cfg.HTTPClient = hc
	})
	_, err := c.Query(context.Background(), client.QueryRequest{OutTradeNo: "X"})
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("Query without the CA: %v, want x509.UnknownAuthorityError", err)
	}
	if n, err := srv.Journal.Count(journal.Filter{}); err != nil || n != 0 {
		t.Errorf("the journal recorded a request that never got past TLS")
	}
}
