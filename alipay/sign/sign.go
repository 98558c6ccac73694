// Package sign holds Alipay's signature rules, in one place for the mock and
// the client: the string to sign for requests, notifications and returns,
// RSA2/RSA signing and verification, the request charset, and the response
// envelope whose node bytes are what gets signed; also AES content
// encryption (aes.go) and the v3 REST signatures and error body (v3.go).
package sign

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Type is a sign_type value.
type Type string

// The two sign types of public-key mode.
const (
	RSA2 Type = "RSA2" // SHA256withRSA
	RSA  Type = "RSA"  // SHA1withRSA
)

// ParseType reads a sign_type value; Alipay takes it in upper case, the
// mock also accepts lower case.
func ParseType(s string) (Type, error) {
	switch strings.ToUpper(s) {
	case "RSA2":
		return RSA2, nil
	case "RSA":
		return RSA, nil
	}
	return "", fmt.Errorf("sign: unknown sign_type %q", s)
}

// MinKeyBits is the smallest RSA key the sign type takes: Alipay requires
// RSA2 keys of at least 2048 bits ("强制要求RSA密钥的长度至少为2048"); it sets
// no size for RSA, and 1024 is the least crypto/rsa signs or verifies with.
func MinKeyBits(t Type) int {
	if t == RSA2 {
		return 2048
	}
	return 1024
}

// CheckKeyBits reports whether an RSA key of the given size may sign or
// verify t, naming the size and the rule when it may not.
func CheckKeyBits(t Type, bits int) error {
	if bits < MinKeyBits(t) {
		if t == RSA2 {
			return fmt.Errorf("sign: a %d-bit key is too small for %s: Alipay requires RSA2 keys of at least 2048 bits", bits, t)
		}
		return fmt.Errorf("sign: a %d-bit key is too small for %s: Alipay sets no size for RSA, but Go's crypto/rsa signs and verifies only with keys of at least 1024 bits", bits, t)
	}
	return nil
}

// digest hashes data with the sign type's hash.
func digest(t Type, data []byte) (crypto.Hash, []byte, error) {
	switch t {
	case RSA2:
		s := sha256.Sum256(data)
		return crypto.SHA256, s[:], nil
	case RSA:
		s := sha1.Sum(data)
		return crypto.SHA1, s[:], nil
	}
	return 0, nil, fmt.Errorf("sign: unknown sign_type %q", string(t))
}

// Sign signs data (already in the request charset) and returns standard
// padded base64. PKCS#1 v1.5 signatures are deterministic, so every signer
// (sign_std.go, or sign_openssl.go under -tags openssl) gives the same bytes.
func Sign(k *rsa.PrivateKey, t Type, data []byte) (string, error) {
	h, d, err := digest(t, data)
	if err != nil {
		return "", err
	}
	sig, err := signPKCS1v15(k, h, d)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// ErrBadSignature is returned when a signature does not verify.
var ErrBadSignature = errors.New("sign: signature does not verify")

// Verify checks a base64 signature over data.
func Verify(k *rsa.PublicKey, t Type, data []byte, signature string) error {
	h, d, err := digest(t, data)
	if err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(signature))
	if err != nil {
		return fmt.Errorf("%w: signature is not base64", ErrBadSignature)
	}
	if err := verifyPKCS1v15(k, h, d, sig); err != nil {
		return ErrBadSignature
	}
	return nil
}

// Content builds the string to sign from parameters: every key but those
// excluded, empty values dropped, sorted by key, "k=v" joined by "&", with
// the values raw (not URL-encoded).
func Content(params map[string]string, exclude ...string) string {
	var first [16]string // a request's keys, without a heap slice
	keys := first[:0]
outer:
	for k, v := range params {
		if v == "" {
			continue
		}
		for _, x := range exclude {
			if k == x {
				continue outer
			}
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	n := 0
	for _, k := range keys {
		n += len(k) + len(params[k]) + 2
	}
	var b strings.Builder
	b.Grow(n)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(params[k])
	}
	return b.String()
}

// RequestContent is the string to sign of a gateway request: all
// parameters but sign (sign_type included).
func RequestContent(params map[string]string) string { return Content(params, "sign") }

// NotifyContent is the string to sign of an asynchronous notification or a
// synchronous return: all parameters but sign and sign_type.
func NotifyContent(params map[string]string) string { return Content(params, "sign", "sign_type") }
