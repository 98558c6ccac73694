package keys

// Certificate ("公钥证书") mode. A request carries app_cert_sn and
// alipay_root_cert_sn, a response alipay_cert_sn. Each SN is the lowercase
// hex MD5 of a certificate's issuer DN, as Java's
// X509Certificate.getIssuerX500Principal().getName() renders it (RFC 2253),
// followed by its serial number in decimal. The root SN joins, with "_" and
// in file order, the SNs of the certificates in alipayRootCert.crt whose
// signature algorithm OID starts with "1.2.840.113549.1.1" (RSA).
//
// Sources: alipay/alipay-sdk-java-all AntCertificationUtil.getCertSN and
// getRootCertSN, alipay/alipay-sdk-nodejs-all src/antcertutil.ts,
// smartwalle/alipay getCertSN and LoadAliPayRootCert, go-pay/gopay
// alipay.GetCertSN and GetRootCertSN.

import (
	"crypto/md5"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// rsaSigOIDPrefix is the string prefix the official SDKs test a root
// certificate's signature algorithm OID against (PKCS#1: sha1/sha256/...
// WithRSAEncryption, RSASSA-PSS).
const rsaSigOIDPrefix = "1.2.840.113549.1.1"

// CertSN is the SN of a certificate: app_cert_sn for an app public-key
// certificate, alipay_cert_sn for an Alipay one.
//
// The issuer DN is rendered from the raw DER as Java does: most-specific RDN
// first, Java's keywords and escaping. For the DNs Alipay's CAs use (C, O, OU,
// CN in that DER order, plain values) this equals Go's c.Issuer.String(),
// which the Go SDKs hash, and the Node SDK's unescaped form; for other DNs
// those SDKs may send a different SN than the Java one.
func CertSN(c *x509.Certificate) string {
	raw := c.RawIssuer
	if len(raw) == 0 { // not parsed from DER
		raw, _ = asn1.Marshal(c.Issuer.ToRDNSequence())
	}
	dn, err := javaDN(raw)
	if err != nil {
		dn = c.Issuer.String()
	}
	return sn(dn, c.SerialNumber)
}

func sn(dn string, serial *big.Int) string {
	sum := md5.Sum([]byte(dn + serial.String()))
	return hex.EncodeToString(sum[:])
}

// RootCertSN is alipay_root_cert_sn for the certificates of a root bundle:
// the SNs of the RSA-signed ones joined with "_", in order. It is "" when none
// is RSA-signed.
func RootCertSN(certs []*x509.Certificate) string {
	var sns []string
	for _, c := range certs {
		if oid, err := sigAlgOID(c.Raw); err == nil && strings.HasPrefix(oid, rsaSigOIDPrefix) {
			sns = append(sns, CertSN(c))
		}
	}
	return strings.Join(sns, "_")
}

// RootCertSNFromPEM is RootCertSN for the text of alipayRootCert.crt. It
// reads only the issuer, serial number and signature algorithm of each
// certificate, so certificates crypto/x509 rejects, such as production's SM2
// root, are still seen and then left out for not being RSA-signed, as the Java
// and Node SDKs do. (smartwalle and gopay drop certificates x509 cannot parse
// before filtering; for production's bundle the result is the same.)
func RootCertSNFromPEM(pemData []byte) (string, error) {
	blocks := certBlocks(pemData)
	if len(blocks) == 0 {
		return "", errors.New("keys: no CERTIFICATE block in root certificate file")
	}
	var sns []string
	for i, der := range blocks {
		var c rawCertificate
		if _, err := asn1.Unmarshal(der, &c); err != nil {
			return "", fmt.Errorf("keys: root certificate %d: %w", i+1, err)
		}
		var tbs rawTBS
		if _, err := asn1.Unmarshal(c.TBS.FullBytes, &tbs); err != nil {
			return "", fmt.Errorf("keys: root certificate %d: %w", i+1, err)
		}
		if !strings.HasPrefix(c.SigAlg.Algorithm.String(), rsaSigOIDPrefix) {
			continue
		}
		if tbs.Serial.Tag != asn1.TagInteger || tbs.Serial.Class != asn1.ClassUniversal {
			return "", fmt.Errorf("keys: root certificate %d: serial number is not an INTEGER", i+1)
		}
		dn, err := javaDN(tbs.Issuer.FullBytes)
		if err != nil {
			return "", fmt.Errorf("keys: root certificate %d: issuer: %w", i+1, err)
		}
		sns = append(sns, sn(dn, signedInt(tbs.Serial.Bytes)))
	}
	if len(sns) == 0 {
		return "", errors.New("keys: no RSA-signed certificate in root certificate file")
	}
	return strings.Join(sns, "_"), nil
}

// ParseCertificates parses every CERTIFICATE block of a PEM file, in order.
// Text around the blocks and CRLF line ends are fine. It fails on a block
// crypto/x509 cannot parse; for a root bundle that may hold one (production's
// holds an SM2 root) use RootCertSNFromPEM.
func ParseCertificates(pemData []byte) ([]*x509.Certificate, error) {
	blocks := certBlocks(pemData)
	if len(blocks) == 0 {
		return nil, errors.New("keys: no CERTIFICATE block")
	}
	certs := make([]*x509.Certificate, 0, len(blocks))
	for i, der := range blocks {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("keys: certificate %d: %w", i+1, err)
		}
		certs = append(certs, c)
	}
	return certs, nil
}

func certBlocks(pemData []byte) [][]byte {
	var out [][]byte
	rest := pemData
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return out
		}
		if b.Type == "CERTIFICATE" {
			out = append(out, b.Bytes)
		}
	}
}

type rawCertificate struct {
	TBS    asn1.RawValue
	SigAlg pkix.AlgorithmIdentifier
}

type rawTBS struct {
	Version int `asn1:"optional,explicit,default:0,tag:0"`
	Serial  asn1.RawValue
	SigAlg  asn1.RawValue
	Issuer  asn1.RawValue
}

func sigAlgOID(der []byte) (string, error) {
	var c rawCertificate
	if _, err := asn1.Unmarshal(der, &c); err != nil {
		return "", err
	}
	return c.SigAlg.Algorithm.String(), nil
}

// signedInt decodes a two's-complement INTEGER body without the minimal
// encoding check of encoding/asn1.
func signedInt(b []byte) *big.Int {
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(len(b))*8))
	}
	return n
}

type attributeTypeAndValue struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}

// The SET suffix makes encoding/asn1 read a SET OF.
type rdnSET []attributeTypeAndValue

// rfc2253Keywords are the attribute types Java names in RFC 2253 output
// (sun.security.x509.AVAKeyword); any other type is written as its OID.
var rfc2253Keywords = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.9":                    "STREET",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"0.9.2342.19200300.100.1.1":  "UID",
	"0.9.2342.19200300.100.1.25": "DC",
}

// javaDN renders a DER Name as javax.security.auth.x500.X500Principal.getName()
// does: RDNs last to first, joined by ","; values of a multi-valued RDN joined
// by "+"; OID-typed or non-string values as "#" and the hex of their DER.
func javaDN(der []byte) (string, error) {
	var rdns []rdnSET
	rest, err := asn1.Unmarshal(der, &rdns)
	if err != nil {
		return "", err
	}
	if len(rest) != 0 {
		return "", errors.New("keys: trailing data after Name")
	}
	var b strings.Builder
	for i := len(rdns) - 1; i >= 0; i-- {
		if i < len(rdns)-1 {
			b.WriteByte(',')
		}
		for j, atv := range rdns[i] {
			if j > 0 {
				b.WriteByte('+')
			}
			writeAVA(&b, atv)
		}
	}
	return b.String(), nil
}

func writeAVA(b *strings.Builder, atv attributeTypeAndValue) {
	oid := atv.Type.String()
	kw, ok := rfc2253Keywords[oid]
	if !ok {
		kw = oid
	}
	b.WriteString(kw)
	b.WriteByte('=')
	s, isString := derString(atv.Value)
	if !ok || !isString {
		b.WriteByte('#')
		b.WriteString(hex.EncodeToString(atv.Value.FullBytes))
		return
	}
	b.WriteString(escapeRFC2253(s))
}

// derString reports whether Java treats v as a string in RFC 2253 output
// (AVA.isDerString, non-canonical) and returns its bytes, which JDK 17 reads
// as UTF-8 whatever the string type.
func derString(v asn1.RawValue) (string, bool) {
	if v.Class != asn1.ClassUniversal {
		return "", false
	}
	switch v.Tag {
	case asn1.TagUTF8String, asn1.TagPrintableString, asn1.TagT61String,
		asn1.TagIA5String, 27 /* GeneralString */, asn1.TagBMPString:
		return string(v.Bytes), true
	}
	return "", false
}

// escapeRFC2253 escapes a value as Java's AVA.toRFC2253String: a backslash
// before each of ,=+<>#;"\ and before leading and trailing spaces and CRs,
// NUL as \00, and each byte that is not UTF-8 as U+FFFD.
func escapeRFC2253(s string) string {
	var e []rune
	for _, c := range s {
		switch {
		case strings.ContainsRune(`,=+<>#;"\`, c):
			e = append(e, '\\', c)
		case c == 0:
			e = append(e, '\\', '0', '0')
		default:
			e = append(e, c)
		}
	}
	lead := 0
	for lead < len(e) && (e[lead] == ' ' || e[lead] == '\r') {
		lead++
	}
	trail := len(e) - 1
	for trail >= 0 && (e[trail] == ' ' || e[trail] == '\r') {
		trail--
	}
	var b strings.Builder
	for i, c := range e {
		if i < lead || i > trail {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}
