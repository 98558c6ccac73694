package keys_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/md5"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/keys"
)

// The validity of the shipped development certificates.
var (
	devNotBefore = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	devNotAfter  = time.Date(2046, 12, 31, 0, 0, 0, 0, time.UTC)
	// devMid is inside the dev certificates' validity: tests verify at it,
	// not at today's date, so they pass in any year.
	devMid = time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC)
)

// TestRegenerateDevCA writes a new development CA and its certificates to
// dev/. It runs only when asked, and every SN pinned in these tests and in
// sdktest then changes:
//
//	ALIPAY_MOCK_REGENERATE_DEV_CA=1 go test -run TestRegenerateDevCA ./keys/
func TestRegenerateDevCA(t *testing.T) {
	if os.Getenv("ALIPAY_MOCK_REGENERATE_DEV_CA") != "1" {
		t.Skip("set ALIPAY_MOCK_REGENERATE_DEV_CA=1 to rewrite keys/dev/*.crt and the CA key")
	}
	a, err := keys.NewAuthority(devNotBefore, devNotAfter)
	if err != nil {
		t.Fatal(err)
	}
	alipayCert, err := a.IssueAlipayCert(&keys.DevAlipayPrivateKey().PublicKey, devNotBefore, devNotAfter)
	if err != nil {
		t.Fatal(err)
	}
	appCert, err := a.IssueAppCert(&keys.DevAppPrivateKey().PublicKey, keys.DevAppID, devNotBefore, devNotAfter)
	if err != nil {
		t.Fatal(err)
	}
	certAppCert, err := a.IssueAppCert(&keys.DevAppPrivateKey().PublicKey, keys.DevCertAppID, devNotBefore, devNotAfter)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		keys.DevCertAppCertFile:           certAppCert,
		"alipay_root_cert.crt":            a.RootCertPEM(),
		"alipay_cert_public_key_rsa2.crt": alipayCert,
		"app_cert_public_key.crt":         appCert,
		"mock_ca_cert.crt":                a.IntermediatePEM(),
		"mock_ca_private_key.pem":         a.KeyPEM(),
	} {
		if err := os.WriteFile(filepath.Join("dev", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestIssueDevCertAppCert writes the certificate-mode dev app's certificate,
// issued by the shipped dev CA, to dev/ (the CA and the other files stay).
// It runs only when asked, and devCertAppCertSN then changes:
//
//	ALIPAY_MOCK_ISSUE_DEV_CERT_APP=1 go test -run TestIssueDevCertAppCert ./keys/
func TestIssueDevCertAppCert(t *testing.T) {
	if os.Getenv("ALIPAY_MOCK_ISSUE_DEV_CERT_APP") != "1" {
		t.Skip("set ALIPAY_MOCK_ISSUE_DEV_CERT_APP=1 to rewrite keys/dev/" + keys.DevCertAppCertFile)
	}
	c, err := keys.DevAuthority().IssueAppCert(&keys.DevAppPrivateKey().PublicKey, keys.DevCertAppID, devNotBefore, devNotAfter)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("dev", keys.DevCertAppCertFile), c, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The SNs of the shipped files. smartwalle, gopay and the Node SDK compute
// the same (sdktest/certsn_test.go), and so did JDK 17 when checked by hand.
const (
	devRootCertSN   = "2778cfaaafb1e063c4e2f24ca09d2fe4_15d5eb86c2172e89cf4031d59fecea00"
	devAlipayCertSN = "b446677ebaa1e4fe7767d85d56815e30"
	devAppCertSN    = "49cf431d229467941f6f76eca1045e58"
	// devCertAppCertSN is DevCertAppID's (TestIssueDevCertAppCert).
	devCertAppCertSN = "c33d0628d19e3e7bcfa2676906f5dfcd"
)

func TestDevCertSNs(t *testing.T) {
	// md5 of Go's Issuer.String() and the decimal serial, the Go SDKs'
	// formula, equals keys' Java-style DN for these certificates.
	goSDKSN := func(c *x509.Certificate) string {
		sum := md5.Sum([]byte(c.Issuer.String() + c.SerialNumber.String()))
		return hex.EncodeToString(sum[:])
	}
	first := func(file string) *x509.Certificate { return parseAll(t, keys.DevFile(file))[0] }
	roots := parseAll(t, keys.DevRootCertPEM())
	tests := []struct {
		name, got, independent, pinned string
	}{
		{"app_cert_sn", keys.DevAppCertSN(), goSDKSN(first("app_cert_public_key.crt")), devAppCertSN},
		{"cert app's app_cert_sn", keys.DevCertAppCertSN(), goSDKSN(first(keys.DevCertAppCertFile)), devCertAppCertSN},
		{"alipay_cert_sn", keys.DevAlipayCertSN(), goSDKSN(first("alipay_cert_public_key_rsa2.crt")), devAlipayCertSN},
		// roots[0] is ECDSA-signed and left out.
		{"alipay_root_cert_sn", keys.DevRootCertSN(), goSDKSN(roots[1]) + "_" + goSDKSN(roots[2]), devRootCertSN},
		{"DevAuthority().RootCertSN", keys.DevAuthority().RootCertSN(), goSDKSN(roots[1]) + "_" + goSDKSN(roots[2]), devRootCertSN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.independent {
				t.Errorf("got %s, md5(Issuer.String()+serial) gives %s", tt.got, tt.independent)
			}
			if tt.got != tt.pinned {
				t.Errorf("got %s, pinned %s", tt.got, tt.pinned)
			}
		})
	}
}

// TestDevCertFiles checks the shipped certificates hold the shipped keys,
// chain as production's do, and are valid until 2046.
func TestDevCertFiles(t *testing.T) {
	roots := parseAll(t, keys.DevRootCertPEM())
	alipayCerts := parseAll(t, keys.DevAlipayCertPEM())
	appCerts := parseAll(t, keys.DevAppCertPEM())
	certAppCerts := parseAll(t, keys.DevCertAppCertPEM())
	inter := parseAll(t, keys.DevFile("mock_ca_cert.crt"))

	if len(roots) != 3 {
		t.Fatalf("alipay_root_cert.crt holds %d certificates, want 3", len(roots))
	}
	if _, ok := roots[0].PublicKey.(*ecdsa.PublicKey); !ok || roots[0].SignatureAlgorithm != x509.ECDSAWithSHA256 {
		t.Errorf("root 1 is %v, want a self-signed ECDSA certificate", roots[0].SignatureAlgorithm)
	}
	for i, r := range roots {
		if !bytes.Equal(r.RawIssuer, r.RawSubject) || r.CheckSignatureFrom(r) != nil || !r.IsCA {
			t.Errorf("root %d (%s) is not a self-signed CA", i+1, r.Subject)
		}
		if !strings.Contains(r.Subject.String(), "alipay-mock") {
			t.Errorf("root %d subject %q does not say alipay-mock", i+1, r.Subject)
		}
	}
	if len(alipayCerts) != 2 || !alipayCerts[1].Equal(inter[0]) {
		t.Fatalf("alipay_cert_public_key_rsa2.crt must be the leaf then mock_ca_cert.crt")
	}
	if len(appCerts) != 1 {
		t.Fatalf("app_cert_public_key.crt holds %d certificates, want 1", len(appCerts))
	}
	if len(certAppCerts) != 1 {
		t.Fatalf("%s holds %d certificates, want 1", keys.DevCertAppCertFile, len(certAppCerts))
	}

	pool := x509.NewCertPool()
	for _, r := range roots {
		pool.AddCert(r)
	}
	inters := x509.NewCertPool()
	inters.AddCert(inter[0])
	tests := []struct {
		name string
		leaf *x509.Certificate
		key  *rsa.PrivateKey
		cn   string
	}{
		{"alipay cert", alipayCerts[0], keys.DevAlipayPrivateKey(), keys.AlipayCertCommonName},
		{"app cert", appCerts[0], keys.DevAppPrivateKey(), keys.DevAppID},
		{"cert-mode app's cert", certAppCerts[0], keys.DevAppPrivateKey(), keys.DevCertAppID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if pub, ok := tt.leaf.PublicKey.(*rsa.PublicKey); !ok || !pub.Equal(&tt.key.PublicKey) {
				t.Error("certificate does not hold the shipped public key")
			}
			if tt.leaf.Subject.CommonName != tt.cn || tt.leaf.IsCA {
				t.Errorf("subject %q, IsCA %v", tt.leaf.Subject, tt.leaf.IsCA)
			}
			for _, at := range []time.Time{devNotBefore, devMid, devNotAfter.Add(-time.Hour)} {
				chains, err := tt.leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inters, CurrentTime: at,
					KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
				if err != nil {
					t.Fatalf("Verify at %v: %v", at, err)
				}
				if top := chains[0][len(chains[0])-1]; !top.Equal(roots[1]) {
					t.Errorf("chain ends at %s, want the first RSA root", top.Subject)
				}
			}
			if _, err := keys.DevAuthority().Verify(pemCerts(tt.leaf), devMid); err != nil {
				t.Errorf("DevAuthority().Verify: %v", err)
			}
		})
	}
}

var (
	otherCAOnce sync.Once
	otherCA     *keys.Authority
	otherCAErr  error
)

// newAuthority is one fresh CA shared by the tests.
func newAuthority(t *testing.T) *keys.Authority {
	t.Helper()
	otherCAOnce.Do(func() { otherCA, otherCAErr = keys.NewAuthority(devNotBefore, devNotAfter) })
	if otherCAErr != nil {
		t.Fatal(otherCAErr)
	}
	return otherCA
}

func TestIssueAppCert(t *testing.T) {
	dev := keys.DevAuthority()
	p := small(t)
	nb := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	na := nb.AddDate(5, 0, 0)
	certPEM, err := dev.IssueAppCert(&p.Private.PublicKey, "2021004100000000", nb, na)
	if err != nil {
		t.Fatal(err)
	}
	other, err := newAuthority(t).IssueAppCert(&p.Private.PublicKey, "2021004100000000", nb, na)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		pem     []byte
		at      time.Time
		wantErr bool
	}{
		{"valid", certPEM, nb.AddDate(1, 0, 0), false},
		{"at notBefore", certPEM, nb, false},
		{"before notBefore", certPEM, nb.Add(-time.Second), true},
		{"after notAfter", certPEM, na.Add(time.Second), true},
		{"issued by another CA", other, nb.AddDate(1, 0, 0), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dev.Verify(tt.pem, tt.at)
			if (err != nil) != tt.wantErr {
				t.Errorf("Verify error = %v, want error %v", err, tt.wantErr)
			}
		})
	}

	c := parseAll(t, certPEM)[0]
	if got, want := c.Subject.String(), "CN=2021004100000000,OU=Alipay,O=alipay-mock,C=CN"; got != want {
		t.Errorf("subject %q, want %q", got, want)
	}
	if got := hex.EncodeToString(c.SerialNumber.Bytes()); len(got) != 32 || !strings.HasPrefix(got, "20260301") {
		t.Errorf("serial %s, want 16 bytes starting with the issue date 20260301", got)
	}
	wantKU := x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment | x509.KeyUsageKeyEncipherment | x509.KeyUsageDataEncipherment
	if c.KeyUsage != wantKU || c.BasicConstraintsValid {
		t.Errorf("key usage %b, basic constraints %v; want %b and none", c.KeyUsage, c.BasicConstraintsValid, wantKU)
	}
	if c.Issuer.String() != dev.Intermediate.Subject.String() {
		t.Errorf("issuer %q", c.Issuer)
	}
	if keys.CertSN(c) == keys.DevAppCertSN() {
		t.Error("two certificates share an SN")
	}

	errTests := []struct {
		name   string
		pub    *rsa.PublicKey
		appID  string
		nb, na time.Time
	}{
		{"empty app id", &p.Private.PublicKey, " ", nb, na},
		{"nil key", nil, "2021004100000000", nb, na},
		{"notAfter before notBefore", &p.Private.PublicKey, "2021004100000000", na, nb},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := dev.IssueAppCert(tt.pub, tt.appID, tt.nb, tt.na); err == nil {
				t.Error("IssueAppCert succeeded")
			}
		})
	}
}

func TestIssueAlipayCert(t *testing.T) {
	for _, a := range []*keys.Authority{keys.DevAuthority(), newAuthority(t)} {
		p := small(t)
		out, err := a.IssueAlipayCert(&p.Private.PublicKey, devNotBefore, devNotAfter)
		if err != nil {
			t.Fatal(err)
		}
		certs := parseAll(t, out)
		if len(certs) != 2 || !certs[1].Equal(a.Intermediate) {
			t.Fatalf("got %d certificates, want the leaf then the intermediate", len(certs))
		}
		// The chain Java's AntCertificationUtil.isTrusted walks: leaf to
		// intermediate by issuer DN and signature, intermediate to a root of
		// the bundle.
		if err := certs[0].CheckSignatureFrom(certs[1]); err != nil || !bytes.Equal(certs[0].RawIssuer, certs[1].RawSubject) {
			t.Errorf("leaf not issued by the intermediate: %v", err)
		}
		found := false
		for _, r := range parseAll(t, a.RootCertPEM()) {
			if bytes.Equal(certs[1].RawIssuer, r.RawSubject) && certs[1].CheckSignatureFrom(r) == nil {
				found = true
			}
		}
		if !found {
			t.Error("no root of the bundle issued the intermediate")
		}
		if _, err := a.Verify(out, devMid); err != nil {
			t.Errorf("Verify: %v", err)
		}
	}
}

func TestNewAndLoadAuthority(t *testing.T) {
	a := newAuthority(t)
	loaded, err := keys.LoadAuthority(a.RootCertPEM(), a.IntermediatePEM(), a.KeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.Root.Equal(a.Root) || !loaded.Intermediate.Equal(a.Intermediate) {
		t.Error("LoadAuthority found another root or intermediate")
	}
	if got := strings.Count(a.RootCertSN(), "_"); got != 1 {
		t.Errorf("RootCertSN %q has %d separators, want 1 (two RSA roots)", a.RootCertSN(), got)
	}
	p := small(t)
	certPEM, err := loaded.IssueAppCert(&p.Private.PublicKey, "2021004100000000", devNotBefore, devNotAfter)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(certPEM, devMid); err != nil {
		t.Errorf("a certificate the loaded CA issued does not verify against the original: %v", err)
	}

	dev := keys.DevAuthority()
	errTests := []struct {
		name              string
		roots, inter, key []byte
	}{
		{"key of another CA", a.RootCertPEM(), a.IntermediatePEM(), dev.KeyPEM()},
		{"intermediate of another bundle", dev.RootCertPEM(), a.IntermediatePEM(), a.KeyPEM()},
		{"no roots", nil, a.IntermediatePEM(), a.KeyPEM()},
		{"no intermediate", a.RootCertPEM(), nil, a.KeyPEM()},
		{"public key for private", a.RootCertPEM(), a.IntermediatePEM(), keys.DevFile("app_public_key.pem")},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := keys.LoadAuthority(tt.roots, tt.inter, tt.key); err == nil {
				t.Error("LoadAuthority succeeded")
			}
		})
	}
}
