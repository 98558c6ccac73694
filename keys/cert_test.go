package keys_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/md5"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/alipay-mock/alipay-mock/keys"
)

// The SNs of the fixtures in testdata/ (see testdata/README.md): the first
// three are what the SDKs' own tests expect; the last was computed by JDK 17.
const (
	productionRootSN       = "687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6"
	productionAlipayCertSN = "7513daaaa48aa3ba2e4018d84402479c"
	productionAppCertSN    = "866efef280dec9137a87d047ac446315"
	sandboxAlipayCertSN    = "b09baa7d1d5b198c713b230c5a6ec8e7"
)

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseAll(t *testing.T, pemData []byte) []*x509.Certificate {
	t.Helper()
	certs, err := keys.ParseCertificates(pemData)
	if err != nil {
		t.Fatal(err)
	}
	return certs
}

func pemCerts(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestProductionRootCertSN(t *testing.T) {
	data := testdata(t, "alipay_root_cert_production.crt")
	crlf := []byte(strings.ReplaceAll(string(data), "\n", "\r\n"))
	tests := []struct {
		name string
		data []byte
	}{
		{"as published", data},
		{"CRLF", crlf},
		{"leading text", append([]byte("alipayRootCert.crt from the console\n"), data...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := keys.RootCertSNFromPEM(tt.data)
			if err != nil || got != productionRootSN {
				t.Errorf("RootCertSNFromPEM = %q, %v; want %q", got, err, productionRootSN)
			}
		})
	}

	// crypto/x509 cannot parse the first (SM2) root; RootCertSN over the
	// rest, as smartwalle and gopay do it, gives the same SN.
	if _, err := keys.ParseCertificates(data); err == nil || !strings.Contains(err.Error(), "certificate 1") {
		t.Errorf("ParseCertificates error = %v, want one naming certificate 1", err)
	}
	var parsed []*x509.Certificate
	for rest := data; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if c, err := x509.ParseCertificate(b.Bytes); err == nil {
			parsed = append(parsed, c)
		}
	}
	if len(parsed) != 3 {
		t.Fatalf("x509 parsed %d of the 4 roots, want 3", len(parsed))
	}
	if got := keys.RootCertSN(parsed); got != productionRootSN {
		t.Errorf("RootCertSN = %q, want %q", got, productionRootSN)
	}
}

func TestProductionCertSN(t *testing.T) {
	tests := []struct {
		file, want string
	}{
		{"alipay_cert_public_key_rsa2_production.crt", productionAlipayCertSN},
		{"app_cert_public_key_production.crt", productionAppCertSN},
		{"alipay_cert_public_key_sandbox.crt", sandboxAlipayCertSN}, // leaf then intermediate: the leaf's SN
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			certs := parseAll(t, testdata(t, tt.file))
			if got := keys.CertSN(certs[0]); got != tt.want {
				t.Errorf("CertSN = %s, want %s", got, tt.want)
			}
			if got := md5hex(certs[0].Issuer.String() + certs[0].SerialNumber.String()); got != tt.want {
				t.Errorf("md5(Issuer.String()+serial) = %s, want %s", got, tt.want)
			}
		})
	}
	// The key the Node SDK's test expects in the production Alipay cert.
	c := parseAll(t, testdata(t, "alipay_cert_public_key_rsa2_production.crt"))[0]
	if got := base64.StdEncoding.EncodeToString(c.RawSubjectPublicKeyInfo); !strings.HasPrefix(got, "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAhoVesfcG") ||
		!strings.HasSuffix(got, "ZsEulBASBrCMBi49NiJyr5nre7SNywIDAQAB") {
		t.Errorf("public key %s", got)
	}
}

// Raw Name builders for TestCertSNJavaDN.
type dnAttr struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}
type dnRDNSET []dnAttr

func dnStr(tag int, s string) asn1.RawValue { return asn1.RawValue{Tag: tag, Bytes: []byte(s)} }

func dnBMP(s string) asn1.RawValue {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, x := range u {
		b[2*i], b[2*i+1] = byte(x>>8), byte(x)
	}
	return asn1.RawValue{Tag: asn1.TagBMPString, Bytes: b}
}

func dn(pairs ...any) dnRDNSET { // type, value, type, value...: one RDN
	var r dnRDNSET
	for i := 0; i < len(pairs); i += 2 {
		r = append(r, dnAttr{pairs[i].(asn1.ObjectIdentifier), pairs[i+1].(asn1.RawValue)})
	}
	return r
}

var (
	oidCN     = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidC      = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidL      = asn1.ObjectIdentifier{2, 5, 4, 7}
	oidST     = asn1.ObjectIdentifier{2, 5, 4, 8}
	oidO      = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOU     = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidSerial = asn1.ObjectIdentifier{2, 5, 4, 5}
	oidPostal = asn1.ObjectIdentifier{2, 5, 4, 17}
	oidEmail  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
	oidDC     = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}
	oidUID    = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
)

// TestCertSNJavaDN pins the issuer DN CertSN hashes to what JDK 17's
// X509Certificate.getIssuerX500Principal().getName() printed for the same
// DER (checked by hand), including where Go's Issuer.String() differs.
func TestCertSNJavaDN(t *testing.T) {
	const P, U, I, T = asn1.TagPrintableString, asn1.TagUTF8String, asn1.TagIA5String, asn1.TagT61String
	tests := []struct {
		name     string
		rdns     []dnRDNSET
		java     string
		asGoSays bool // Go's Issuer.String() gives the same
	}{
		{"Alipay's CA", []dnRDNSET{dn(oidC, dnStr(P, "CN")), dn(oidO, dnStr(U, "Ant Financial")), dn(oidOU, dnStr(U, "Certification Authority")), dn(oidCN, dnStr(U, "Ant Financial Certification Authority Class 2 R1"))},
			"CN=Ant Financial Certification Authority Class 2 R1,OU=Certification Authority,O=Ant Financial,C=CN", true},
		{"unusual DER order", []dnRDNSET{dn(oidCN, dnStr(U, "reversed")), dn(oidOU, dnStr(U, "unit")), dn(oidO, dnStr(U, "org")), dn(oidC, dnStr(P, "CN"))},
			"C=CN,O=org,OU=unit,CN=reversed", false},
		{"escapes", []dnRDNSET{dn(oidC, dnStr(P, "CN")), dn(oidO, dnStr(U, `a,b+c=d<e>f#g;h"i\j`)), dn(oidCN, dnStr(U, " lead and trail  "))},
			`CN=\ lead and trail\ \ ,O=a\,b\+c\=d\<e\>f\#g\;h\"i\\j,C=CN`, false},
		{"no escapes", []dnRDNSET{dn(oidCN, dnStr(U, "#hash")), dn(oidO, dnStr(U, "支付宝(中国)网络技术有限公司")), dn(oidOU, dnStr(U, "_@&*!$%^"))},
			`OU=_@&*!$%^,O=支付宝(中国)网络技术有限公司,CN=\#hash`, false},
		{"multi-valued RDN", []dnRDNSET{dn(oidCN, dnStr(U, "multi"), oidOU, dnStr(U, "valued")), dn(oidC, dnStr(P, "CN"))},
			"C=CN,CN=multi+OU=valued", false},
		{"keywords and OIDs", []dnRDNSET{dn(oidSerial, dnStr(P, "12345")), dn(oidPostal, dnStr(P, "310000")), dn(oidEmail, dnStr(I, "a@b.c")), dn(oidDC, dnStr(I, "example")), dn(oidUID, dnStr(U, "u1")), dn(oidST, dnStr(U, "Zhejiang")), dn(oidL, dnStr(U, "Hangzhou"))},
			"L=Hangzhou,ST=Zhejiang,UID=u1,DC=example,1.2.840.113549.1.9.1=#16056140622e63,2.5.4.17=#1306333130303030,2.5.4.5=#13053132333435", false},
		{"string types read as UTF-8", []dnRDNSET{dn(oidCN, dnStr(T, "t61 \xe9")), dn(oidO, dnBMP("bmp 支付")), dn(oidOU, dnStr(I, "ia5"))},
			"OU=ia5,O=\\00b\\00m\\00p\\00 e/N\uFFFD,CN=t61 \uFFFD", false},
		{"NUL, CR, spaces", []dnRDNSET{dn(oidCN, dnStr(U, "nul\x00x")), dn(oidO, dnStr(U, "\rcr")), dn(oidOU, dnStr(U, "  "))},
			"OU=\\ \\ ,O=\\\rcr,CN=nul\\00x", false},
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := asn1.Marshal(tt.rdns)
			if err != nil {
				t.Fatal(err)
			}
			tmpl := &x509.Certificate{
				SerialNumber: big.NewInt(int64(1000 + i)), RawSubject: raw,
				NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
			}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
			if err != nil {
				t.Fatal(err)
			}
			c, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			serial := c.SerialNumber.String()
			if got, want := keys.CertSN(c), md5hex(tt.java+serial); got != want {
				t.Errorf("CertSN = %s, want md5(%q+%s) = %s", got, tt.java, serial, want)
			}
			if same := c.Issuer.String() == tt.java; same != tt.asGoSays {
				t.Errorf("Go's Issuer.String() = %q; equal to Java's: %v, want %v", c.Issuer.String(), same, tt.asGoSays)
			}
		})
	}
}

func TestCertSNNotParsed(t *testing.T) {
	// A template, not parsed from DER: the DN comes from Issuer.
	c := &x509.Certificate{SerialNumber: big.NewInt(7)}
	c.Issuer.CommonName = "x"
	c.Issuer.Country = []string{"CN"}
	if got, want := keys.CertSN(c), md5hex("CN=x,C=CN7"); got != want {
		t.Errorf("CertSN = %s, want %s", got, want)
	}
}

func selfSignedPEM(t *testing.T, cn string, pub, priv any) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(int64(len(cn))),
		NotBefore:    time.Now(), NotAfter: time.Now().Add(time.Hour),
	}
	tmpl.Subject.CommonName = cn
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// TestRootCertSNFilters checks non-RSA roots are left out, in whatever
// position, and RSA ones joined in file order.
func TestRootCertSNFilters(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := small(t)
	ecdsaPEM := selfSignedPEM(t, "ecdsa root", &ec.PublicKey, ec)
	rsaA := selfSignedPEM(t, "rsa root A", &p.Private.PublicKey, p.Private)
	rsaB := selfSignedPEM(t, "rsa root BB", &p.Private.PublicKey, p.Private)
	snA := md5hex("CN=rsa root A" + "10")
	snB := md5hex("CN=rsa root BB" + "11")
	junk := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not DER")})
	other := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte("ignored")})
	cat := func(parts ...[]byte) []byte { return []byte(strings.Join(bytesToStrings(parts), "")) }

	tests := []struct {
		name    string
		data    []byte
		want    string
		wantErr bool
	}{
		{"ECDSA first", cat(ecdsaPEM, rsaA), snA, false},
		{"ECDSA between", cat(rsaB, ecdsaPEM, rsaA), snB + "_" + snA, false},
		{"file order", cat(rsaA, rsaB, ecdsaPEM), snA + "_" + snB, false},
		{"other PEM blocks ignored", cat(other, rsaA), snA, false},
		{"only ECDSA", ecdsaPEM, "", true},
		{"no PEM", []byte("MIIB..."), "", true},
		{"not a certificate", cat(rsaA, junk), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := keys.RootCertSNFromPEM(tt.data)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("RootCertSNFromPEM = %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
			certs, err := keys.ParseCertificates(tt.data)
			if err != nil {
				return // RootCertSN needs parsed certificates
			}
			if got := keys.RootCertSN(certs); got != tt.want {
				t.Errorf("RootCertSN = %q, want %q", got, tt.want)
			}
		})
	}
}

func bytesToStrings(bs [][]byte) []string {
	s := make([]string, len(bs))
	for i, b := range bs {
		s[i] = string(b)
	}
	return s
}

func TestParseCertificates(t *testing.T) {
	bundle := keys.DevRootCertPEM()
	tests := []struct {
		name    string
		data    []byte
		want    int
		wantErr bool
	}{
		{"dev root bundle", bundle, 3, false},
		{"CRLF", []byte(strings.ReplaceAll(string(bundle), "\n", "\r\n")), 3, false},
		{"leading and trailing text", []byte("Alipay root\n" + string(bundle) + "\nend\n"), 3, false},
		{"leaf then intermediate", keys.DevAlipayCertPEM(), 2, false},
		{"private key only", keys.DevFile("app_private_key.pem"), 0, true},
		{"empty", nil, 0, true},
		{"bad DER", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x00}}), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certs, err := keys.ParseCertificates(tt.data)
			if (err != nil) != tt.wantErr || len(certs) != tt.want {
				t.Errorf("got %d certificates, %v; want %d, error %v", len(certs), err, tt.want, tt.wantErr)
			}
		})
	}
}
