package sign

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// Content encryption ("接口内容加密", encrypt_type=AES): AES-CBC with a
// 16-zero-byte IV and PKCS#7 padding, key and ciphertext in standard base64.
// The same scheme serves v1 biz_content and response nodes, and v3 bodies.
// The plaintext is in the request charset (v3: UTF-8); callers encode it.

// Errors of content encryption. Each wraps the detail, so test with errors.Is.
var (
	// ErrAESKey: the key is empty, not base64, or not 16, 24 or 32 bytes.
	ErrAESKey = errors.New("sign: invalid AES key")
	// ErrAESBase64: the ciphertext is not standard base64.
	ErrAESBase64 = errors.New("sign: AES ciphertext is not base64")
	// ErrAESLength: the ciphertext is empty or not whole 16-byte blocks.
	ErrAESLength = errors.New("sign: AES ciphertext length is not a multiple of the block size")
	// ErrAESPadding: the PKCS#7 padding is wrong, which is what a wrong
	// key almost always produces.
	ErrAESPadding = errors.New("sign: AES padding is invalid")
)

// aesIV is the all-zero IV every Alipay SDK uses.
var aesIV = make([]byte, aes.BlockSize)

func aesBlock(key string) (cipher.Block, error) {
	if key == "" {
		return nil, fmt.Errorf("%w: empty", ErrAESKey)
	}
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64", ErrAESKey)
	}
	switch len(raw) {
	case 16, 24, 32:
	default:
		return nil, fmt.Errorf("%w: %d bytes, want 16, 24 or 32", ErrAESKey, len(raw))
	}
	return aes.NewCipher(raw)
}

// EncryptContent encrypts plain with the base64 AES key and returns the
// ciphertext in standard base64.
func EncryptContent(key string, plain []byte) (string, error) {
	b, err := aesBlock(key)
	if err != nil {
		return "", err
	}
	n := aes.BlockSize - len(plain)%aes.BlockSize
	buf := make([]byte, len(plain)+n)
	copy(buf, plain)
	copy(buf[len(plain):], bytes.Repeat([]byte{byte(n)}, n))
	cipher.NewCBCEncrypter(b, aesIV).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf), nil
}

// DecryptContent decrypts standard base64 ciphertext with the base64 AES
// key. Line breaks in the ciphertext are ignored, nothing else is.
func DecryptContent(key, cipherB64 string) ([]byte, error) {
	b, err := aesBlock(key)
	if err != nil {
		return nil, err
	}
	buf, err := base64.StdEncoding.DecodeString(cipherB64)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAESBase64, err)
	}
	if len(buf) == 0 || len(buf)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: %d bytes", ErrAESLength, len(buf))
	}
	cipher.NewCBCDecrypter(b, aesIV).CryptBlocks(buf, buf)
	n := int(buf[len(buf)-1])
	if n == 0 || n > aes.BlockSize {
		return nil, ErrAESPadding
	}
	for _, c := range buf[len(buf)-n:] {
		if int(c) != n {
			return nil, ErrAESPadding
		}
	}
	return buf[:len(buf)-n], nil
}

// GenerateAESKey returns a random 128-bit AES key in standard base64, the
// form the open platform console hands out.
func GenerateAESKey() string {
	k := make([]byte, 16)
	_, _ = rand.Read(k) // never fails (crypto/rand, Go ≥ 1.24)
	return base64.StdEncoding.EncodeToString(k)
}

// EncryptedNode is the node value of an encrypted v1 response: the
// ciphertext as a JSON string, quotes included. These exact bytes are what
// gets signed (Java takes the text from the opening to the closing quote).
// Nothing is escaped: base64 needs no JSON escapes, and smartwalle decodes
// the bytes between the quotes as base64 without unescaping, so a `\/`
// would break it.
func EncryptedNode(cipher string) []byte {
	b := make([]byte, 0, len(cipher)+2)
	b = append(b, '"')
	b = append(b, cipher...)
	return append(b, '"')
}

// NodeCipher reports whether a response node's raw value is a JSON string
// (an encrypted node) and returns the ciphertext. Unencrypted nodes, and
// errors the gateway could not encrypt, are objects: ok is false.
func NodeCipher(raw []byte) (cipher string, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	if err := json.Unmarshal(raw, &cipher); err != nil {
		return "", false
	}
	return cipher, true
}
