// Package keys loads and generates the RSA keys Alipay apps use, in every
// format the SDKs hand around: PEM (PKCS#1 or PKCS#8 / PKIX), raw base64 DER
// as Alipay's key tool prints it, and X.509 certificates for public keys.
package keys

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// ErrNotPrivateKey and ErrNotPublicKey are returned when the input parses as
// the other half of a key pair: the commonest mix-up when configuring Alipay.
var (
	ErrNotPrivateKey = errors.New("keys: this is a public key, a private key is needed")
	ErrNotPublicKey  = errors.New("keys: this is a private key, a public key is needed")
)

// IsPEM reports whether key material is PEM text: it holds a block,
// perhaps after other text (openssl pkcs12 -nodes writes "Bag Attributes"
// lines first; many key files start with a comment), which PEM decoding
// skips, as openssl and the SDKs do.
func IsPEM(s string) bool {
	return strings.Contains(s, "-----BEGIN")
}

// ErrEncrypted is returned for a passphrase-protected private key: no
// Alipay SDK takes a passphrase, so the key is given decrypted.
var ErrEncrypted = errors.New("keys: the private key is encrypted (passphrase-protected): give it decrypted; " +
	"openssl pkey -in key.pem -out key_decrypted.pem asks for the passphrase and writes it so")

// der returns the DER bytes of PEM or raw base64 input, and ErrEncrypted
// for an encrypted PEM private key ("ENCRYPTED PRIVATE KEY", or PKCS#1
// with "Proc-Type: 4,ENCRYPTED"). Of several PEM blocks it takes the first
// of the wanted kind (a private key, or a public key or certificate), as
// openssl pkey and x509 do with openssl pkcs12 -nodes output (the
// certificate's block, then the key's); with none, the first block.
func der(data []byte, private bool) ([]byte, string, error) {
	s := strings.TrimSpace(string(data))
	if IsPEM(s) {
		block, rest := pem.Decode([]byte(s))
		if block == nil {
			return nil, "", errors.New("keys: malformed PEM")
		}
		for b := block; b != nil; b, rest = pem.Decode(rest) {
			if private && isPrivateBlock(b) || !private && isPublicBlock(b) {
				block = b
				break
			}
		}
		if isEncrypted(block) {
			return nil, block.Type, ErrEncrypted
		}
		return block.Bytes, block.Type, nil
	}
	s = strings.Join(strings.Fields(s), "")
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, "", fmt.Errorf("keys: neither PEM nor base64 DER: %w", err)
	}
	return b, "", nil
}

func isEncrypted(b *pem.Block) bool {
	return b.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED")
}

func isPrivateBlock(b *pem.Block) bool {
	return strings.HasSuffix(b.Type, "PRIVATE KEY")
}

func isPublicBlock(b *pem.Block) bool {
	return strings.HasSuffix(b.Type, "PUBLIC KEY") || b.Type == "CERTIFICATE"
}

// ParsePrivateKey accepts a PKCS#1 or PKCS#8 RSA private key, PEM or raw base64.
func ParsePrivateKey(data []byte) (*rsa.PrivateKey, error) {
	b, _, err := der(data, true)
	if err != nil {
		return nil, err
	}
	if k, err := x509.ParsePKCS1PrivateKey(b); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS8PrivateKey(b); err == nil {
		if rk, ok := k.(*rsa.PrivateKey); ok {
			return rk, nil
		}
		return nil, errors.New("keys: not an RSA private key")
	}
	if _, err := ParsePublicKey(data); err == nil {
		return nil, ErrNotPrivateKey
	}
	return nil, errors.New("keys: not a PKCS#1 or PKCS#8 RSA private key")
}

// ParsePublicKey accepts a PKIX (SubjectPublicKeyInfo) or PKCS#1 RSA public
// key, or an X.509 certificate, PEM or raw base64.
func ParsePublicKey(data []byte) (*rsa.PublicKey, error) {
	b, _, err := der(data, false)
	if errors.Is(err, ErrEncrypted) {
		return nil, ErrNotPublicKey
	}
	if err != nil {
		return nil, err
	}
	if k, err := x509.ParsePKIXPublicKey(b); err == nil {
		if rk, ok := k.(*rsa.PublicKey); ok {
			return rk, nil
		}
		return nil, errors.New("keys: not an RSA public key")
	}
	if k, err := x509.ParsePKCS1PublicKey(b); err == nil {
		return k, nil
	}
	if c, err := x509.ParseCertificate(b); err == nil {
		if rk, ok := c.PublicKey.(*rsa.PublicKey); ok {
			return rk, nil
		}
		return nil, errors.New("keys: certificate does not hold an RSA key")
	}
	if _, err := x509.ParsePKCS1PrivateKey(b); err == nil {
		return nil, ErrNotPublicKey
	}
	if _, err := x509.ParsePKCS8PrivateKey(b); err == nil {
		return nil, ErrNotPublicKey
	}
	return nil, errors.New("keys: not a PKIX or PKCS#1 RSA public key")
}

// LoadPrivateKey reads a private key from a file path, or takes the value
// itself when it already looks like key material.
func LoadPrivateKey(pathOrKey string) (*rsa.PrivateKey, error) {
	data, err := readMaterial(pathOrKey)
	if err != nil {
		return nil, err
	}
	return ParsePrivateKey(data)
}

// LoadPublicKey is LoadPrivateKey for public keys.
func LoadPublicKey(pathOrKey string) (*rsa.PublicKey, error) {
	data, err := readMaterial(pathOrKey)
	if err != nil {
		return nil, err
	}
	return ParsePublicKey(data)
}

func readMaterial(pathOrKey string) ([]byte, error) {
	s := strings.TrimSpace(pathOrKey)
	if IsPEM(s) {
		return []byte(s), nil
	}
	b, err := os.ReadFile(s)
	if err != nil {
		// Raw base64 DER, not a file name; a short value such as
		// "/nonexistent" is base64 too, but too short for any RSA key.
		if d, _, derr := der([]byte(s), false); derr == nil && len(d) >= 64 {
			return []byte(s), nil
		}
		// The value may be key text (a damaged one): never quoted. The
		// caller names the flag or field it came from.
		reason := err
		var pe *fs.PathError
		if errors.As(err, &pe) {
			reason = pe.Err
		}
		return nil, fmt.Errorf("neither a readable file (%w) nor key text", reason)
	}
	return b, nil
}

// Fingerprint is "SHA256:" and the hex SHA-256 of the key's PKIX DER, the
// same for a key in any of its formats.
func Fingerprint(pub *rsa.PublicKey) string {
	b, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha256.Sum256(b)
	return "SHA256:" + hex.EncodeToString(sum[:])
}

// PublicPEM encodes a public key as PKIX PEM.
func PublicPEM(pub *rsa.PublicKey) []byte {
	b, _ := x509.MarshalPKIXPublicKey(pub)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: b})
}

// PublicBase64 encodes a public key as the raw base64 PKIX DER Alipay's
// console shows.
func PublicBase64(pub *rsa.PublicKey) string {
	b, _ := x509.MarshalPKIXPublicKey(pub)
	return base64.StdEncoding.EncodeToString(b)
}

// Pair is a key pair in every format SDKs take.
type Pair struct {
	Private            *rsa.PrivateKey
	PrivatePKCS1PEM    []byte
	PrivatePKCS8PEM    []byte
	PrivatePKCS1Base64 string // "non-Java" form of Alipay's key tool
	PrivatePKCS8Base64 string // "Java" form of Alipay's key tool
	PublicPEM          []byte
	PublicBase64       string
}

// Generate makes a new RSA key pair of the given size (2048 for RSA2).
func Generate(bits int) (*Pair, error) {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, err
	}
	return NewPair(k), nil
}

// NewPair renders an existing private key in every format.
func NewPair(k *rsa.PrivateKey) *Pair {
	p1 := x509.MarshalPKCS1PrivateKey(k)
	p8, _ := x509.MarshalPKCS8PrivateKey(k)
	return &Pair{
		Private:            k,
		PrivatePKCS1PEM:    pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: p1}),
		PrivatePKCS8PEM:    pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}),
		PrivatePKCS1Base64: base64.StdEncoding.EncodeToString(p1),
		PrivatePKCS8Base64: base64.StdEncoding.EncodeToString(p8),
		PublicPEM:          PublicPEM(&k.PublicKey),
		PublicBase64:       PublicBase64(&k.PublicKey),
	}
}
