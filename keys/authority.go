package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"
)

// Names of the mock's CA. They say alipay-mock so that no one takes them for
// Alipay's ("Ant Financial Certification Authority R1", "... Class 2 R1").
var (
	rootName = pkix.Name{
		Country: []string{"CN"}, Organization: []string{"alipay-mock"},
		OrganizationalUnit: []string{"Certification Authority"},
		CommonName:         "alipay-mock Certification Authority R1",
	}
	rootR2Name = pkix.Name{
		Country: []string{"CN"}, Organization: []string{"alipay-mock"},
		OrganizationalUnit: []string{"Certification Authority"},
		CommonName:         "alipay-mock Certification Authority R2",
	}
	rootE1Name = pkix.Name{
		Country: []string{"CN"}, Organization: []string{"alipay-mock"},
		OrganizationalUnit: []string{"Certification Authority"},
		CommonName:         "alipay-mock Certification Authority E1",
	}
	intermediateName = pkix.Name{
		Country: []string{"CN"}, Organization: []string{"alipay-mock"},
		OrganizationalUnit: []string{"Certification Authority"},
		CommonName:         "alipay-mock Certification Authority Class 2 R1",
	}
)

// AlipayCertCommonName is the subject CN of the Alipay public-key
// certificates IssueAlipayCert makes. (Production's reads
// "支付宝(中国)网络技术有限公司-<Alipay's PID>".)
const AlipayCertCommonName = "alipay-mock Alipay public key"

// Authority is the mock's certificate authority, laid out as Alipay's:
//
//   - alipayRootCert.crt (RootCertPEM) holds self-signed roots: an ECDSA one
//     first, standing in for production's SM2 and ECDSA roots that SDKs must
//     leave out of alipay_root_cert_sn, then two RSA ones, so the SN has two
//     parts as production's does. The first RSA root is Root.
//   - Intermediate, signed by Root, issues app public-key certificates
//     (appCertPublicKey_<appid>.crt, one certificate) and Alipay public-key
//     certificates (alipayCertPublicKey_RSA2.crt, the leaf then
//     Intermediate, so that Java's AntCertificationUtil.isTrusted can chain
//     it to the root bundle). SDKs take the SN and the key of the first.
//
// Production issues app certificates from a "Class 1 R1" intermediate and
// Alipay ones from "Class 2 R1"; the sandbox, like this mock, uses one.
type Authority struct {
	Root         *x509.Certificate
	Intermediate *x509.Certificate
	// Roots is alipayRootCert.crt in file order; it includes Root.
	Roots []*x509.Certificate
	key   *rsa.PrivateKey // Intermediate's
}

// NewAuthority makes a CA with fresh keys (2048-bit RSA, P-256 ECDSA), its
// certificates valid from notBefore to notAfter. Only the intermediate's key
// is kept (KeyPEM): it is all that issuing needs.
func NewAuthority(notBefore, notAfter time.Time) (*Authority, error) {
	rootKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	r2Key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	e1Key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	selfSigned := func(name pkix.Name, k crypto.Signer, alg x509.SignatureAlgorithm) (*x509.Certificate, error) {
		serial, err := rootSerial()
		if err != nil {
			return nil, err
		}
		t := &x509.Certificate{
			SerialNumber: serial, Subject: name, NotBefore: notBefore, NotAfter: notAfter,
			SignatureAlgorithm:    alg,
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
			BasicConstraintsValid: true, IsCA: true,
		}
		return create(t, t, k.Public(), k)
	}
	e1, err := selfSigned(rootE1Name, e1Key, x509.ECDSAWithSHA256)
	if err != nil {
		return nil, err
	}
	root, err := selfSigned(rootName, rootKey, x509.SHA256WithRSA)
	if err != nil {
		return nil, err
	}
	r2, err := selfSigned(rootR2Name, r2Key, x509.SHA256WithRSA)
	if err != nil {
		return nil, err
	}
	serial, err := leafSerial(notBefore)
	if err != nil {
		return nil, err
	}
	inter, err := create(&x509.Certificate{
		SerialNumber: serial, Subject: intermediateName, NotBefore: notBefore, NotAfter: notAfter,
		SignatureAlgorithm:    x509.SHA256WithRSA,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true,
	}, root, &key.PublicKey, rootKey)
	if err != nil {
		return nil, err
	}
	return &Authority{Root: root, Intermediate: inter, Roots: []*x509.Certificate{e1, root, r2}, key: key}, nil
}

// LoadAuthority loads a CA from its root bundle (alipayRootCert.crt), its
// intermediate certificate and the intermediate's private key (PKCS#1 or
// PKCS#8 PEM). Root is the bundle certificate that signed the intermediate.
func LoadAuthority(rootsPEM, intermediatePEM, keyPEM []byte) (*Authority, error) {
	roots, err := ParseCertificates(rootsPEM)
	if err != nil {
		return nil, fmt.Errorf("keys: root bundle: %w", err)
	}
	inters, err := ParseCertificates(intermediatePEM)
	if err != nil {
		return nil, fmt.Errorf("keys: intermediate: %w", err)
	}
	inter := inters[0]
	key, err := ParsePrivateKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("keys: intermediate key: %w", err)
	}
	if pub, ok := inter.PublicKey.(*rsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) {
		return nil, errors.New("keys: the private key is not the intermediate certificate's")
	}
	a := &Authority{Intermediate: inter, Roots: roots, key: key}
	for _, r := range roots {
		if inter.CheckSignatureFrom(r) == nil {
			a.Root = r
			break
		}
	}
	if a.Root == nil {
		return nil, errors.New("keys: no certificate of the root bundle signed the intermediate")
	}
	return a, nil
}

// RootCertPEM is the text of alipayRootCert.crt.
func (a *Authority) RootCertPEM() []byte { return certsPEM(a.Roots...) }

// RootCertSN is alipay_root_cert_sn for RootCertPEM.
func (a *Authority) RootCertSN() string { return RootCertSN(a.Roots) }

// IntermediatePEM is the intermediate certificate alone, PEM.
func (a *Authority) IntermediatePEM() []byte { return certsPEM(a.Intermediate) }

// KeyPEM is the intermediate's private key, PKCS#1 PEM.
func (a *Authority) KeyPEM() []byte { return NewPair(a.key).PrivatePKCS1PEM }

// IssueAppCert issues an app public-key certificate for pub, as Alipay does
// when an app uploads its CSR: subject CN=appID, OU=Alipay, O=alipay-mock,
// C=CN (production: CN=<PID>-<appid>, O=<company>). It returns one PEM
// certificate, the content of appCertPublicKey_<appid>.crt.
func (a *Authority) IssueAppCert(pub *rsa.PublicKey, appID string, notBefore, notAfter time.Time) ([]byte, error) {
	if strings.TrimSpace(appID) == "" {
		return nil, errors.New("keys: empty app id")
	}
	c, err := a.issueLeaf(pub, appID, notBefore, notAfter)
	if err != nil {
		return nil, err
	}
	return certsPEM(c), nil
}

// IssueAlipayCert issues the Alipay public-key certificate for the mock's
// Alipay key pub: the leaf (CN=AlipayCertCommonName) then Intermediate, the
// content of alipayCertPublicKey_RSA2.crt.
func (a *Authority) IssueAlipayCert(pub *rsa.PublicKey, notBefore, notAfter time.Time) ([]byte, error) {
	c, err := a.issueLeaf(pub, AlipayCertCommonName, notBefore, notAfter)
	if err != nil {
		return nil, err
	}
	return certsPEM(c, a.Intermediate), nil
}

func (a *Authority) issueLeaf(pub *rsa.PublicKey, cn string, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	if pub == nil {
		return nil, errors.New("keys: nil public key")
	}
	if !notAfter.After(notBefore) {
		return nil, errors.New("keys: notAfter is not after notBefore")
	}
	serial, err := leafSerial(notBefore)
	if err != nil {
		return nil, err
	}
	return create(&x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			Country: []string{"CN"}, Organization: []string{"alipay-mock"},
			OrganizationalUnit: []string{"Alipay"}, CommonName: cn,
		},
		NotBefore: notBefore, NotAfter: notAfter,
		SignatureAlgorithm: x509.SHA256WithRSA,
		// As production's: digitalSignature, nonRepudiation,
		// keyEncipherment, dataEncipherment; critical; no basic constraints.
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment |
			x509.KeyUsageKeyEncipherment | x509.KeyUsageDataEncipherment,
	}, a.Intermediate, pub, a.key)
}

// Verify checks that the first certificate of certPEM chains to Root through
// Intermediate (or further certificates in certPEM) and is valid at time at,
// and returns it.
func (a *Authority) Verify(certPEM []byte, at time.Time) (*x509.Certificate, error) {
	certs, err := ParseCertificates(certPEM)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(a.Root)
	inters := x509.NewCertPool()
	inters.AddCert(a.Intermediate)
	for _, c := range certs[1:] {
		inters.AddCert(c)
	}
	_, err = certs[0].Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inters, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return nil, err
	}
	return certs[0], nil
}

func create(tmpl, parent *x509.Certificate, pub any, priv crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, priv)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func certsPEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// rootSerial is a positive 8-byte serial, like production's roots.
func rootSerial() (*big.Int, error) {
	b := make([]byte, 8)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		return nil, err
	}
	b[0] = b[0]&0x7f | 0x10
	return new(big.Int).SetBytes(b), nil
}

// leafSerial is a 16-byte serial whose first four bytes read as the issue
// date, e.g. 0x20260101..., like production's issued certificates.
func leafSerial(issued time.Time) (*big.Int, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		return nil, err
	}
	y, m, d := issued.UTC().Date()
	bcd := func(n int) byte { return byte(n/10)<<4 | byte(n%10) }
	b[0], b[1], b[2], b[3] = bcd(y/100), bcd(y%100), bcd(int(m)), bcd(d)
	return new(big.Int).SetBytes(b), nil
}
