package mock_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
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

// The directories that hold the CA's key and the data file are refused
// at start, with the directory and the fix, when other users can write
// there (they could plant a CA whose key they hold, or a data file), and
// so is a data file others can write; an existing --ca-dir used to be
// taken as it was.
func TestDirectoriesOthersCanWriteAreRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("modes do not say who may write on Windows")
	}
	loose := func(path string, mode os.FileMode) string {
		t.Helper()
		if err := os.Chmod(path, mode); err != nil { // past the umask
			t.Fatal(err)
		}
		return path
	}
	refused := func(what string, opts mock.Options, path, fix string) {
		t.Helper()
		srv, err := mock.Start(opts)
		if err == nil {
			srv.Close()
			t.Errorf("%s: started", what)
			return
		}
		if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), fix) {
			t.Errorf("%s: %v, want it to name %s and %q", what, err, path, fix)
		}
	}
	mkdir := func() string {
		dir := filepath.Join(t.TempDir(), "d")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	tls := mock.TLSOptions{Addr: "127.0.0.1:0"}
	for _, mode := range []os.FileMode{0o777, 0o770, 0o702} {
		dir := loose(mkdir(), mode)
		refused("--ca-dir "+mode.String(), mock.Options{TLS: mock.TLSOptions{Addr: tls.Addr, CADir: dir}}, dir, "chmod 700")
		if _, err := os.Stat(filepath.Join(dir, localca.CAKeyFile)); err == nil {
			t.Errorf("--ca-dir %v: a CA key was written there", mode)
		}
	}
	data := loose(mkdir(), 0o777)
	refused("--data", mock.Options{DataDir: data}, data, "chmod 700")
	data = mkdir()
	if err := os.Mkdir(filepath.Join(data, "ca"), 0o700); err != nil {
		t.Fatal(err)
	}
	ca := loose(filepath.Join(data, "ca"), 0o777)
	refused("--data DIR/ca", mock.Options{DataDir: data, TLS: tls}, ca, "chmod 700")

	// A data file others can write, in a directory made private since.
	data = mkdir()
	srv, err := mock.Start(mock.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	file := loose(filepath.Join(data, "alipay-mock.db"), 0o666)
	refused("a data file mode 0666", mock.Options{DataDir: data}, file, "chmod 600")
	loose(file, 0o600)
	srv, err = mock.Start(mock.Options{DataDir: data, TLS: tls})
	if err != nil {
		t.Fatalf("the same directory, made private again: %v", err)
	}
	srv.Close()
	// A CA file others can write is refused after the directory's chmod.
	loose(filepath.Join(data, "ca", localca.CAKeyFile), 0o646)
	refused("a CA key mode 0646", mock.Options{DataDir: data, TLS: tls}, localca.CAKeyFile, "chmod 600")

	// A directory others may write with the sticky bit (/tmp, a Kubernetes
	// Secret's volume) is used: no one else can replace what is there.
	sticky := loose(mkdir(), 0o777|os.ModeSticky)
	srv, err = mock.Start(mock.Options{TLS: mock.TLSOptions{Addr: tls.Addr, CADir: sticky}})
	if err != nil {
		t.Fatalf("--ca-dir with the sticky bit: %v", err)
	}
	srv.Close()
	// Laid out as a Secret is: each file a link into ..data. The links are
	// followed; the file a link names is checked.
	secret := mkdir()
	if err := os.Mkdir(filepath.Join(secret, "..data"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{localca.CAKeyFile, localca.CAFile} {
		if err := os.Rename(filepath.Join(sticky, name), filepath.Join(secret, "..data", name)); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join("..data", name), filepath.Join(secret, name)); err != nil {
			t.Fatal(err)
		}
	}
	loose(secret, 0o755)
	srv, err = mock.Start(mock.Options{TLS: mock.TLSOptions{Addr: tls.Addr, CADir: secret}})
	if err != nil {
		t.Fatalf("--ca-dir holding links to its files: %v", err)
	}
	srv.Close()
	loose(filepath.Join(secret, "..data", localca.CAKeyFile), 0o666)
	refused("a link to a CA key mode 0666", mock.Options{TLS: mock.TLSOptions{Addr: tls.Addr, CADir: secret}}, localca.CAKeyFile, "chmod 600")
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
