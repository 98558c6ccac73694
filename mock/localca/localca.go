// Package localca is alipay-mock's own certificate authority: it is made
// once on this machine and kept in a directory, and it issues the server
// certificate that carries Alipay's host names (alipay.Hosts), so that an
// app that trusts the CA can call https://openapi.alipay.com/gateway.do and
// reach the mock.
//
// Files in the directory, all written 0600 (the directory 0700; one that
// other users can write, or that another user owns, is refused: privdir):
//
//	ca.pem        the CA certificate (what `alipay-mock ca` prints)
//	ca-key.pem    the CA's private key: never served, never printed
//	leaf.pem      the server certificate the mock serves
//	leaf-key.pem  its private key
package localca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/alipay-mock/alipay-mock/mock/privdir"
)

// Validity of the certificates, and when the server certificate is
// replaced.
const (
	// CAValidity is long: the CA is trusted once in each app's image.
	CAValidity = 20 * 365 * 24 * time.Hour
	// LeafValidity stays under the 398 days browsers and Apple's TLS
	// accept for a server certificate (CA/Browser Forum baseline
	// requirements, 6.3.2).
	LeafValidity = 397 * 24 * time.Hour
	// RenewBefore: a server certificate with less left is issued again.
	RenewBefore = 30 * 24 * time.Hour
	// backdate covers clocks a little behind the mock's machine.
	backdate = time.Hour
)

// File names in the CA directory.
const (
	CAFile      = "ca.pem"
	CAKeyFile   = "ca-key.pem"
	LeafFile    = "leaf.pem"
	LeafKeyFile = "leaf-key.pem"
)

// DefaultDir is where the CA is kept when neither --ca-dir nor --data
// names a directory: alipay-mock/ca in the user's configuration directory
// ($XDG_CONFIG_HOME or ~/.config on Linux, ~/Library/Application Support
// on macOS, %AppData% on Windows).
func DefaultDir() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no directory for the local CA (%v): pass --ca-dir or --data", err)
	}
	return filepath.Join(d, "alipay-mock", "ca"), nil
}

// Dir is the CA's directory: caDir when given, else DATA/ca when the mock
// keeps its data in dataDir, else DefaultDir.
func Dir(caDir, dataDir string) (string, error) {
	switch {
	case caDir != "":
		return caDir, nil
	case dataDir != "":
		return filepath.Join(dataDir, "ca"), nil
	}
	return DefaultDir()
}

// CA is the local certificate authority kept in a directory.
type CA struct {
	dir  string
	now  func() time.Time
	cert *x509.Certificate
	pem  []byte
	key  *ecdsa.PrivateKey

	mu    sync.Mutex
	hosts []string // the server certificate's names, sorted
	leaf  *tls.Certificate
}

// Open loads the CA kept in dir, or makes one and keeps it there. now is
// the wall clock certificates are dated by (nil: time.Now); TLS clients
// check them against theirs, never against the mock's clock.
func Open(dir string, now func() time.Time) (*CA, error) {
	if now == nil {
		now = time.Now
	}
	if dir == "" {
		return nil, errors.New("local CA: no directory")
	}
	if err := privdir.Private(dir, "local CA directory", CAFile, CAKeyFile, LeafFile, LeafKeyFile); err != nil {
		return nil, err
	}
	ca := &CA{dir: dir, now: now}
	certPEM, certErr := os.ReadFile(filepath.Join(dir, CAFile))
	keyPEM, keyErr := os.ReadFile(filepath.Join(dir, CAKeyFile))
	switch {
	case certErr == nil && keyErr == nil:
		if err := ca.load(certPEM, keyPEM); err != nil {
			return nil, fmt.Errorf("local CA in %s: %w (move the directory away to make a new CA; apps must then trust the new one)", dir, err)
		}
	case errors.Is(certErr, os.ErrNotExist) && errors.Is(keyErr, os.ErrNotExist):
		if err := ca.create(); err != nil {
			return nil, fmt.Errorf("local CA in %s: %w", dir, err)
		}
	case errors.Is(certErr, os.ErrNotExist) && keyErr == nil:
		// Another process is making the CA: its certificate follows.
		if err := ca.loadOthers(); err != nil {
			return nil, fmt.Errorf("local CA in %s: %w", dir, err)
		}
	default:
		return nil, fmt.Errorf("local CA in %s: %s and %s must both be there or both be missing (%v, %v)", dir, CAFile, CAKeyFile, certErr, keyErr)
	}
	return ca, nil
}

// Dir is the directory the CA is kept in.
func (ca *CA) Dir() string { return ca.dir }

// CertPEM is the CA certificate in PEM, what apps add to their trust.
func (ca *CA) CertPEM() []byte { return slices.Clone(ca.pem) }

// Cert is the CA certificate.
func (ca *CA) Cert() *x509.Certificate { return ca.cert }

// Pool is a certificate pool holding the CA alone.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

func (ca *CA) load(certPEM, keyPEM []byte) error {
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return errors.New("not PEM")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return err
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return err
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return errors.New(CAKeyFile + " is not the key of " + CAFile)
	}
	if !cert.IsCA {
		return errors.New(CAFile + " is not a CA certificate")
	}
	if ca.now().After(cert.NotAfter) {
		return fmt.Errorf("the CA expired on %s", cert.NotAfter.UTC().Format(time.DateOnly))
	}
	ca.cert, ca.pem, ca.key = cert, pem.EncodeToMemory(cb), key
	return nil
}

func (ca *CA) create() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := ca.now()
	id := make([]byte, 4)
	if _, err := rand.Read(id); err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		// The random part tells one machine's CA from another's in a
		// trust store.
		Subject:               pkix.Name{CommonName: "alipay-mock local CA " + hex.EncodeToString(id), Organization: []string{"alipay-mock (for testing only)"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(CAValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		SubjectKeyId:          keyID(&key.PublicKey),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	// The key is published first, by a link that fails when the file is
	// there: of two processes making a CA at once (serve and the ca command
	// in parallel containers), one wins and the other loads the winner's.
	switch err := publish(filepath.Join(ca.dir, CAKeyFile), keyPEM); {
	case errors.Is(err, fs.ErrExist):
		return ca.loadOthers()
	case err != nil:
		return err
	}
	if err := writeFile(filepath.Join(ca.dir, CAFile), certPEM); err != nil {
		return err
	}
	return ca.load(certPEM, keyPEM)
}

// loadOthers loads the CA another process is making in the directory,
// waiting up to 2 s for its certificate to follow its key (it takes
// milliseconds).
func (ca *CA) loadOthers() error {
	var err error
	for range 20 {
		certPEM, e1 := os.ReadFile(filepath.Join(ca.dir, CAFile))
		keyPEM, e2 := os.ReadFile(filepath.Join(ca.dir, CAKeyFile))
		if err = errors.Join(e1, e2); err == nil {
			if err = ca.load(certPEM, keyPEM); err == nil {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s is there but no matching %s (%v): move the directory away to make a new CA", CAKeyFile, CAFile, err)
}

// Hosts turns names and addresses into the sorted, unique list a server
// certificate carries: lower case, no final dot, no port, no empties.
func Hosts(names ...string) []string {
	var out []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if h, _, err := net.SplitHostPort(n); err == nil {
			n = h
		}
		n = strings.TrimSuffix(strings.ToLower(strings.Trim(n, "[]")), ".")
		if ip := net.ParseIP(n); ip != nil {
			n = ip.String()
		}
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// Leaf is the server certificate for hosts (names and IP addresses): the
// one kept in the directory when it was issued by this CA for exactly
// these hosts and has more than RenewBefore left, else a new one, which
// replaces it on disk.
func (ca *CA) Leaf(hosts []string) (*tls.Certificate, error) {
	hosts = Hosts(hosts...)
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if ca.leaf != nil && slices.Equal(ca.hosts, hosts) && ca.fresh(ca.leaf.Leaf) {
		return ca.leaf, nil
	}
	if c, err := tls.LoadX509KeyPair(filepath.Join(ca.dir, LeafFile), filepath.Join(ca.dir, LeafKeyFile)); err == nil &&
		c.Leaf != nil && ca.fresh(c.Leaf) && slices.Equal(Hosts(certHosts(c.Leaf)...), hosts) && c.Leaf.CheckSignatureFrom(ca.cert) == nil {
		ca.leaf, ca.hosts = &c, hosts
		return ca.leaf, nil
	}
	c, err := ca.issue(hosts)
	if err != nil {
		// A running mock whose disk refuses the new certificate serves the
		// old one while it is still in force.
		if ca.leaf != nil && slices.Equal(ca.hosts, hosts) && ca.now().Before(ca.leaf.Leaf.NotAfter) {
			return ca.leaf, nil
		}
		return nil, err
	}
	ca.leaf, ca.hosts = c, hosts
	return c, nil
}

// fresh reports whether a server certificate is in force and has more
// than RenewBefore left.
func (ca *CA) fresh(c *x509.Certificate) bool {
	now := ca.now()
	return !now.Before(c.NotBefore) && now.Add(RenewBefore).Before(c.NotAfter)
}

func certHosts(c *x509.Certificate) []string {
	out := slices.Clone(c.DNSNames)
	for _, ip := range c.IPAddresses {
		out = append(out, ip.String())
	}
	return out
}

func (ca *CA) issue(hosts []string) (*tls.Certificate, error) {
	if len(hosts) == 0 {
		return nil, errors.New("local CA: a server certificate needs a host")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := ca.now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: hosts[0], Organization: []string{"alipay-mock (for testing only)"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(-backdate).Add(LeafValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	// Prefer a name for the subject, as clients that still read it expect.
	if len(tmpl.DNSNames) > 0 {
		tmpl.Subject.CommonName = tmpl.DNSNames[0]
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	if err := writeFile(filepath.Join(ca.dir, LeafKeyFile), keyPEM); err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(ca.dir, LeafFile), certPEM); err != nil {
		return nil, err
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// TLSConfig serves the server certificate for hosts, issued again when it
// comes within RenewBefore of its end while the mock runs.
func (ca *CA) TLSConfig(hosts []string) (*tls.Config, error) {
	if _, err := ca.Leaf(hosts); err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return ca.Leaf(hosts)
		},
	}, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return n.Add(n, big.NewInt(1))
}

func keyID(pub *ecdsa.PublicKey) []byte {
	b, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha256.Sum256(b)
	return sum[:20]
}

// publish writes a file 0600 in full, only if it is not there yet
// (fs.ErrExist otherwise).
func publish(path string, data []byte) error {
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	return os.Link(tmp, path)
}

// writeFile writes a file 0600 in full or not at all.
func writeFile(path string, data []byte) error { return privdir.WriteFile(path, data, 0o600) }

// writeTemp writes data to a new 0600 file beside path and names it.
func writeTemp(path string, data []byte) (string, error) { return privdir.WriteTemp(path, data, 0o600) }
