package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay"
)

var tlsLine = regexp.MustCompile(`TLS:\s+(https://\S+)/gateway\.do`)

// startTLSBinary runs the binary and returns the HTTPS base URL its banner
// announces; the process gets SIGTERM when the test ends.
func startTLSBinary(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	_, u := startProcessFor(t, tlsLine, bin, env, args...)
	return u
}

// `alipay-mock ca` prints a CA certificate (never its key) that makes the
// CA on first use, keeps it, and verifies the certificate serve --tls
// presents for Alipay's names.
func TestCACommandVerifiesTheServedCertificate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	var out, errb bytes.Buffer
	if code := run([]string{"ca", "--ca-dir", dir}, &out, &errb); code != 0 {
		t.Fatalf("ca: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "made a new local CA in "+dir) {
		t.Errorf("first run says %q, want that it made the CA", errb.String())
	}
	first := out.String()
	block, rest := pem.Decode(out.Bytes())
	if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("ca printed something other than one certificate:\n%s", first)
	}
	if strings.Contains(first, "PRIVATE KEY") {
		t.Fatal("ca printed a private key")
	}
	caCert, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !caCert.IsCA {
		t.Fatalf("not a CA certificate: %v", err)
	}
	// Again: the same CA, and nothing said on stderr.
	out.Reset()
	errb.Reset()
	pub := filepath.Join(t.TempDir(), "alipay-mock-ca.crt")
	if code := run([]string{"ca", "--ca-dir", dir, "--out", pub}, &out, &errb); code != 0 || out.String() != first || errb.Len() != 0 {
		t.Fatalf("second run: exit %d, same=%v, stderr %q", code, out.String() == first, errb.String())
	}
	if b, err := os.ReadFile(pub); err != nil || string(b) != first {
		t.Errorf("--out file: %v", err)
	}
	if st, _ := os.Stat(pub); st.Mode().Perm() != 0o644 {
		t.Errorf("--out mode %v, want 0644 (a public certificate)", st.Mode().Perm())
	}

	bin := buildBinary(t)
	base := startTLSBinary(t, bin, nil, "serve", "--addr", "127.0.0.1:0", "--tls-addr", "127.0.0.1:0", "--ca-dir", dir, "--tls-host", "shop-mock")
	u, _ := url.Parse(base)
	roots := x509.NewCertPool()
	roots.AddCert(caCert)
	for _, name := range append(slices.Clone(alipay.Hosts), "localhost", "shop-mock") {
		conn, err := tls.Dial("tcp", u.Host, &tls.Config{ServerName: name, RootCAs: roots})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		leaf := conn.ConnectionState().PeerCertificates[0]
		conn.Close()
		if v := leaf.NotAfter.Sub(leaf.NotBefore); v > 397*24*time.Hour {
			t.Errorf("%s: validity %v", name, v)
		}
	}
	// The gateway answers over it with Alipay's envelope, by Alipay's name:
	// what docs/tls.md's curl --resolve does.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, u.Host)
		}}}
	resp, err := hc.Get("https://openapi.alipay.com:" + u.Port() + "/gateway.do")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "error_response") {
		t.Errorf("GET /gateway.do over TLS: %s", b)
	}
}

func TestCACommandAndTLSFlagsChecked(t *testing.T) {
	data := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"ca", "--data", data}, &out, &errb); code != 0 {
		t.Fatalf("ca --data: %s", errb.String())
	}
	if _, err := os.Stat(filepath.Join(data, "ca", "ca-key.pem")); err != nil {
		t.Errorf("ca --data did not keep the CA in DATA/ca: %v", err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"ca", "extra"}, "unexpected argument"},
		{[]string{"serve", "--addr", "127.0.0.1:0", "--qr-code", "alipay"}, "needs --tls"},
		{[]string{"serve", "--addr", "127.0.0.1:0", "--tls", "--ca-dir", t.TempDir(), "--qr-code", "big"}, "--qr-code"},
		{[]string{"serve", "--addr", "127.0.0.1:0", "--tls-addr", "nonsense", "--ca-dir", t.TempDir()}, "--tls-addr"},
	} {
		errb.Reset()
		if code := run(tc.args, io.Discard, &errb); code == 0 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, %q; want a failure saying %q", tc.args, code, errb.String(), tc.want)
		}
	}
	// --tls alone listens on --addr's host, port 8443.
	o, err := tlsOptions(true, "", "0.0.0.0:8080", "", nil)
	if err != nil || o.Addr != "0.0.0.0:8443" {
		t.Errorf("--tls with --addr 0.0.0.0:8080: %+v %v", o, err)
	}
	if o, err := tlsOptions(true, "", "127.0.0.1:0", "", nil); err != nil || o.Addr != "127.0.0.1:0" {
		t.Errorf("--tls with --addr 127.0.0.1:0: %+v %v", o, err)
	}
	// ALIPAY_MOCK_TLS_ADDR turns it on, like the flag.
	t.Setenv("ALIPAY_MOCK_TLS_ADDR", "127.0.0.1:0")
	t.Setenv("ALIPAY_MOCK_CA_DIR", t.TempDir())
	t.Setenv("ALIPAY_MOCK_QR_CODE", "bogus")
	errb.Reset()
	if code := run([]string{"serve", "--addr", "127.0.0.1:0"}, io.Discard, &errb); code == 0 || !strings.Contains(errb.String(), `--qr-code "bogus"`) {
		t.Errorf("environment: exit %d %s", code, errb.String())
	}
}

// ca --out writes as keys --out does, a new file renamed into place: a
// symbolic link there (planted in a shared /trust volume, say) pointing at
// the CA's key is replaced, not written through, and the CA still opens.
func TestCAOutNeverReplacesTheCAKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	if code, _, errs := runCLI(t, "", "ca", "--ca-dir", dir); code != 0 {
		t.Fatalf("ca: exit %d %s", code, errs)
	}
	keyFile := filepath.Join(dir, "ca-key.pem")
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	trust := t.TempDir()
	link := filepath.Join(trust, "alipay-mock-ca.crt")
	if err := os.Symlink(keyFile, link); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "", "ca", "--ca-dir", dir, "--out", link)
	if after, _ := os.ReadFile(keyFile); !bytes.Equal(after, key) {
		t.Errorf("ca --out through a symbolic link (exit %d, %q) replaced the CA's private key", code, errs)
	}
	if code, _, errs := runCLI(t, "", "ca", "--ca-dir", dir); code != 0 {
		t.Errorf("the CA no longer opens after ca --out: exit %d %s", code, errs)
	}
}
