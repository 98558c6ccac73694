package localca_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay"
	"github.com/alipay-mock/alipay-mock/mock/localca"
)

// fixed is a wall clock the test moves by hand; the date is arbitrary.
type fixed struct{ t time.Time }

func (f *fixed) now() time.Time { return f.t }

func start() *fixed { return &fixed{time.Date(2031, 5, 17, 9, 30, 0, 0, time.UTC)} }

func hosts() []string {
	return append(slices.Clone(alipay.Hosts), "localhost", "127.0.0.1", "::1", "mock.example")
}

func TestCAIsMadeOnceAndKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	clk := start()
	ca, err := localca.Open(dir, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	again, err := localca.Open(dir, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	if string(ca.CertPEM()) != string(again.CertPEM()) {
		t.Fatal("a second Open made another CA instead of loading the kept one")
	}
	c := ca.Cert()
	if !c.IsCA || !c.BasicConstraintsValid || !c.MaxPathLenZero || c.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("CA certificate: IsCA=%v basic=%v maxPathLenZero=%v usage=%v", c.IsCA, c.BasicConstraintsValid, c.MaxPathLenZero, c.KeyUsage)
	}
	if c.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("CA key algorithm %v, want ECDSA", c.PublicKeyAlgorithm)
	}
	if got := c.NotAfter.Sub(clk.t); got < 10*365*24*time.Hour {
		t.Errorf("CA valid for %v from now, want years", got)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v (%v), want 0700", st.Mode().Perm(), err)
	}
	if _, err := ca.Leaf(hosts()); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{localca.CAFile, localca.CAKeyFile, localca.LeafFile, localca.LeafKeyFile} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	if strings.Contains(string(ca.CertPEM()), "PRIVATE") {
		t.Error("CertPEM carries a private key")
	}
}

// Processes that start at once on a new directory (serve and the ca
// command in parallel containers) end up with one CA between them.
func TestCAMadeAtOnceIsOne(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	clk := start()
	const n = 8
	pems := make(chan string, n)
	errs := make(chan error, n)
	var ready sync.WaitGroup
	ready.Add(n)
	for range n {
		go func() {
			ready.Done()
			ready.Wait() // all at once
			ca, err := localca.Open(dir, clk.now)
			if err != nil {
				errs <- err
				return
			}
			pems <- string(ca.CertPEM())
		}()
	}
	var first string
	for range n {
		select {
		case err := <-errs:
			t.Fatal(err)
		case p := <-pems:
			if first == "" {
				first = p
			} else if p != first {
				t.Fatal("two CAs were made in one directory")
			}
		}
	}
	onDisk, _ := os.ReadFile(filepath.Join(dir, localca.CAFile))
	if string(onDisk) != first {
		t.Error("the CA in use is not the one on disk")
	}
}

func TestLeafCarriesEveryHostAndVerifies(t *testing.T) {
	clk := start()
	ca, err := localca.Open(t.TempDir(), clk.now)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ca.Leaf(hosts())
	if err != nil {
		t.Fatal(err)
	}
	leaf := c.Leaf
	for _, h := range hosts() {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: h, Roots: ca.Pool(), CurrentTime: clk.t}); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
	for _, h := range []string{"openapi.alipay.com.evil.example", "alipay.com", "example.com", "10.0.0.1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: h, Roots: ca.Pool(), CurrentTime: clk.t}); err == nil {
			t.Errorf("%s: verified, want a name mismatch", h)
		}
	}
	if v := leaf.NotAfter.Sub(leaf.NotBefore); v > 397*24*time.Hour {
		t.Errorf("leaf validity %v, want at most 397 days", v)
	}
	if !leaf.NotBefore.Before(clk.t) {
		t.Errorf("leaf NotBefore %v is not before now %v", leaf.NotBefore, clk.t)
	}
	if !slices.Equal(leaf.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) || leaf.IsCA {
		t.Errorf("leaf usage %v, IsCA %v", leaf.ExtKeyUsage, leaf.IsCA)
	}
	// A year on, the certificate still verifies; past its end it does not.
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "openapi.alipay.com", Roots: ca.Pool(), CurrentTime: clk.t.AddDate(1, 0, 0)}); err != nil {
		t.Errorf("a year on: %v", err)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "openapi.alipay.com", Roots: ca.Pool(), CurrentTime: clk.t.Add(398 * 24 * time.Hour)}); err == nil {
		t.Error("398 days on: verified, want expired")
	}
}

func TestLeafIsKeptAndIssuedAgain(t *testing.T) {
	dir := t.TempDir()
	clk := start()
	open := func() *localca.CA {
		t.Helper()
		ca, err := localca.Open(dir, clk.now)
		if err != nil {
			t.Fatal(err)
		}
		return ca
	}
	serial := func(ca *localca.CA, hs []string) string {
		t.Helper()
		c, err := ca.Leaf(hs)
		if err != nil {
			t.Fatal(err)
		}
		return c.Leaf.SerialNumber.String()
	}
	first := serial(open(), hosts())
	// A restart with the same names keeps the certificate, in any order.
	rev := slices.Clone(hosts())
	slices.Reverse(rev)
	if got := serial(open(), rev); got != first {
		t.Errorf("restart with the same hosts issued a new certificate (%s, was %s)", got, first)
	}
	// Another --public-url host: a new certificate carrying it.
	more := append(hosts(), "pay.test")
	ca := open()
	second := serial(ca, more)
	if second == first {
		t.Fatal("a new host did not issue a new certificate")
	}
	c, _ := ca.Leaf(more)
	if !slices.Contains(c.Leaf.DNSNames, "pay.test") {
		t.Errorf("DNSNames %v lack pay.test", c.Leaf.DNSNames)
	}
	// 360 days on (more than RenewBefore left): kept, also by a running CA.
	clk.t = clk.t.Add(360 * 24 * time.Hour)
	if got := serial(ca, more); got != second {
		t.Errorf("360 days on: reissued with %v left", c.Leaf.NotAfter.Sub(clk.t))
	}
	// Within RenewBefore of the end: the running CA issues a new one.
	clk.t = c.Leaf.NotAfter.Add(-localca.RenewBefore + time.Hour)
	third := serial(ca, more)
	if third == second {
		t.Fatal("near expiry: not issued again")
	}
	c, _ = ca.Leaf(more)
	if !clk.t.Add(localca.RenewBefore).Before(c.Leaf.NotAfter) {
		t.Errorf("the new certificate ends %v, too near now %v", c.Leaf.NotAfter, clk.t)
	}
	// And it is what the next start loads.
	if got := serial(open(), more); got != third {
		t.Errorf("restart after renewal: %s, want the renewed %s", got, third)
	}
}

func TestLeafOfAnotherCAIsReplaced(t *testing.T) {
	clk := start()
	a, b := t.TempDir(), t.TempDir()
	caA, err := localca.Open(a, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := caA.Leaf(hosts()); err != nil {
		t.Fatal(err)
	}
	caB, err := localca.Open(b, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	// B's directory gets A's server certificate, as a careless copy would.
	for _, f := range []string{localca.LeafFile, localca.LeafKeyFile} {
		data, _ := os.ReadFile(filepath.Join(a, f))
		if err := os.WriteFile(filepath.Join(b, f), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, err := caB.Leaf(hosts())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Leaf.CheckSignatureFrom(caB.Cert()); err != nil {
		t.Errorf("serves a certificate B did not issue: %v", err)
	}
}

func TestBrokenDirectoriesAreRefused(t *testing.T) {
	clk := start()
	good := t.TempDir()
	if _, err := localca.Open(good, clk.now); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	if _, err := localca.Open(other, clk.now); err != nil {
		t.Fatal(err)
	}
	otherKey, _ := os.ReadFile(filepath.Join(other, localca.CAKeyFile))
	leafDir := t.TempDir()
	ca, _ := localca.Open(leafDir, clk.now)
	leaf, _ := ca.Leaf([]string{"localhost"})
	leafPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Leaf.Raw})
	leafKey, _ := os.ReadFile(filepath.Join(leafDir, localca.LeafKeyFile))
	cases := []struct {
		name  string
		files map[string][]byte // nil content: removed
		want  string
	}{
		{"key missing", map[string][]byte{localca.CAKeyFile: nil}, "both be there"},
		{"certificate missing", map[string][]byte{localca.CAFile: nil}, "no matching"},
		{"another CA's key", map[string][]byte{localca.CAKeyFile: otherKey}, "is not the key"},
		{"not PEM", map[string][]byte{localca.CAFile: []byte("hello")}, "not PEM"},
		{"a server certificate as CA", map[string][]byte{localca.CAFile: leafPEM, localca.CAKeyFile: leafKey}, "not a CA"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range []string{localca.CAFile, localca.CAKeyFile} {
				data, _ := os.ReadFile(filepath.Join(good, f))
				os.WriteFile(filepath.Join(dir, f), data, 0o600)
			}
			for f, data := range tc.files {
				if data == nil {
					os.Remove(filepath.Join(dir, f))
				} else {
					os.WriteFile(filepath.Join(dir, f), data, 0o600)
				}
			}
			_, err := localca.Open(dir, clk.now)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open = %v, want an error saying %q", err, tc.want)
			}
		})
	}
	// An expired CA is refused with its date.
	late := &fixed{clk.t.Add(localca.CAValidity + 24*time.Hour)}
	if _, err := localca.Open(good, late.now); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired CA: %v", err)
	}
}

func TestHosts(t *testing.T) {
	got := localca.Hosts("OpenAPI.alipay.com.", "localhost:8443", "[::1]:443", "127.0.0.1", "", "openapi.alipay.com", "0:0:0:0:0:0:0:1")
	want := []string{"127.0.0.1", "::1", "localhost", "openapi.alipay.com"}
	if !slices.Equal(got, want) {
		t.Errorf("Hosts = %q, want %q", got, want)
	}
}

// A running server's configuration hands out the renewed certificate once
// the old one nears its end, without a restart.
func TestTLSConfigRenewsWhileRunning(t *testing.T) {
	clk := start()
	ca, err := localca.Open(t.TempDir(), clk.now)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ca.TLSConfig(hosts())
	if err != nil {
		t.Fatal(err)
	}
	hello := &tls.ClientHelloInfo{ServerName: "openapi.alipay.com"}
	before, err := cfg.GetCertificate(hello)
	if err != nil {
		t.Fatal(err)
	}
	clk.t = before.Leaf.NotAfter.Add(-24 * time.Hour)
	after, err := cfg.GetCertificate(hello)
	if err != nil {
		t.Fatal(err)
	}
	if after.Leaf.SerialNumber.Cmp(before.Leaf.SerialNumber) == 0 {
		t.Fatal("a day before the end, the same certificate is still served")
	}
	if _, err := after.Leaf.Verify(x509.VerifyOptions{DNSName: "openapi.alipay.com", Roots: ca.Pool(), CurrentTime: clk.t.Add(300 * 24 * time.Hour)}); err != nil {
		t.Errorf("the renewed certificate: %v", err)
	}
}
