package mock_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay"
	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/localca"
)

// servedCert is the certificate the TLS listener presents for name,
// verified against the mock's CA as a client would.
func servedCert(t *testing.T, srv *mock.Server, name string) *x509.Certificate {
	t.Helper()
	conn, err := tls.Dial("tcp", srv.TLSAddr(), &tls.Config{ServerName: name, RootCAs: srv.CA().Pool()})
	if err != nil {
		t.Fatalf("TLS to %s as %s: %v", srv.TLSAddr(), name, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

// The served certificate carries every Alipay name, loopback and the
// --public-url and --tls-host names, verifies for each and lasts at most
// 397 days.
func TestTLSCertificateNamesAndValidity(t *testing.T) {
	srv := mock.NewTestServer(t, mock.Options{PublicURL: "https://pay.example.test:8443", TLS: mock.TLSOptions{
		Addr: "127.0.0.1:0", CADir: t.TempDir(), Hosts: []string{"alipay-mock", "10.9.8.7"}}})
	want := append(slices.Clone(alipay.Hosts), "localhost", "127.0.0.1", "::1", "pay.example.test", "alipay-mock", "10.9.8.7")
	for _, name := range []string{"openapi.alipay.com", "pay.example.test", "alipay-mock", "localhost"} {
		c := servedCert(t, srv, name)
		var got []string
		got = append(got, c.DNSNames...)
		for _, ip := range c.IPAddresses {
			got = append(got, ip.String())
		}
		if !slices.Equal(localca.Hosts(got...), localca.Hosts(want...)) {
			t.Errorf("SANs %q, want %q", localca.Hosts(got...), localca.Hosts(want...))
		}
		if v := c.NotAfter.Sub(c.NotBefore); v > 397*24*time.Hour {
			t.Errorf("validity %v, more than 397 days", v)
		}
		if now := time.Now(); now.Before(c.NotBefore) || now.Add(localca.RenewBefore).After(c.NotAfter) {
			t.Errorf("certificate %v–%v is not in force with %v to spare", c.NotBefore, c.NotAfter, localca.RenewBefore)
		}
	}
	// An address the certificate does not name fails verification.
	if conn, err := tls.Dial("tcp", srv.TLSAddr(), &tls.Config{ServerName: "example.com", RootCAs: srv.CA().Pool()}); err == nil {
		conn.Close()
		t.Error("a name the certificate does not carry verified")
	}
}

// With --data, the CA is kept in DATA/ca, and a restart serves the same CA
// and the same server certificate.
func TestTLSCAKeptInTheDataDirectory(t *testing.T) {
	data := t.TempDir()
	opts := mock.Options{DataDir: data, TLS: mock.TLSOptions{Addr: "127.0.0.1:0"}}
	first := mock.NewTestServer(t, opts)
	ca1, serial1 := first.CA().CertPEM(), servedCert(t, first, "openapi.alipay.com").SerialNumber
	if first.CA().Dir() != filepath.Join(data, "ca") {
		t.Errorf("CA in %s, want %s", first.CA().Dir(), filepath.Join(data, "ca"))
	}
	for _, f := range []string{localca.CAFile, localca.CAKeyFile, localca.LeafFile, localca.LeafKeyFile} {
		if st, err := os.Stat(filepath.Join(data, "ca", f)); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want mode 0600", f, st, err)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := mock.NewTestServer(t, opts)
	if string(second.CA().CertPEM()) != string(ca1) {
		t.Error("a restart made a new CA: every app would have to trust it again")
	}
	if s := servedCert(t, second, "openapi.alipay.com").SerialNumber; s.Cmp(serial1) != 0 {
		t.Errorf("a restart with the same names issued a new certificate (%v, was %v)", s, serial1)
	}
}

func TestQRCodeOption(t *testing.T) {
	for _, tc := range []struct {
		opts mock.Options
		want string
	}{
		{mock.Options{QRCode: mock.QRCodeAlipay}, "needs --tls"},
		{mock.Options{QRCode: "production"}, `--qr-code "production"`},
	} {
		if s, err := mock.New(tc.opts); err == nil {
			s.Close()
			t.Errorf("QRCode %q accepted", tc.opts.QRCode)
		} else if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("QRCode %q: %v, want %q", tc.opts.QRCode, err, tc.want)
		}
	}
	// With TLS and QRCodeMock, qr_code is the mock's own page, as the
	// caller reached it.
	srv := mock.NewTestServer(t, mock.Options{QRCode: mock.QRCodeMock, TLS: mock.TLSOptions{Addr: "127.0.0.1:0", CADir: t.TempDir()}})
	cfg := srv.DevClientConfig()
	cfg.GatewayURL = srv.TLSURL() + mock.GatewayPath
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.CA().Pool()}}}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pre, err := c.Precreate(context.Background(), client.PrecreateRequest{Order: client.Order{OutTradeNo: "QR-MOCK", TotalAmount: amount.MustParse("1.00"), Subject: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := srv.TLSURL() + "/qr/bax0"; !strings.HasPrefix(pre.QRCode, want) {
		t.Errorf("qr_code %q, want %s…", pre.QRCode, want)
	}
}
