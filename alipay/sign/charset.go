package sign

import (
	"crypto/rsa"
	"fmt"
	"strings"
	"unsafe"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Charset is a request charset the gateway supports.
type Charset string

// Supported charsets. gb2312 is read as GBK, its superset. These values
// are what trades and notifications keep (--data, --store); what goes out
// is Wire's spelling.
const (
	UTF8 Charset = "utf-8"
	GBK  Charset = "gbk"
)

// ParseCharset reads a charset parameter, case-insensitively; empty is UTF-8.
func ParseCharset(s string) (Charset, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "utf-8", "utf8":
		return UTF8, nil
	case "gbk", "gb2312":
		return GBK, nil
	}
	return "", fmt.Errorf("sign: unsupported charset %q", s)
}

// Wire is the charset as Alipay spells it in what it sends: GBK upper case
// (the charset of notifications and returns captured from production,
// yansongda/pay#158, #214), utf-8 lower case.
func (c Charset) Wire() string {
	if c == GBK {
		return "GBK"
	}
	return string(c)
}

// Encode turns text into bytes of the charset, which is what is signed.
func (c Charset) Encode(s string) ([]byte, error) {
	if c == GBK {
		return simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	}
	return []byte(s), nil
}

// Decode turns bytes of the charset into text.
func (c Charset) Decode(b []byte) (string, error) {
	if c == GBK {
		out, err := simplifiedchinese.GBK.NewDecoder().Bytes(b)
		return string(out), err
	}
	return string(b), nil
}

// SignString encodes content in the charset and signs it.
func SignString(k *rsa.PrivateKey, t Type, c Charset, content string) (string, error) {
	b, err := c.Encode(content)
	if err != nil {
		return "", err
	}
	return Sign(k, t, b)
}

// VerifyString encodes content in the charset and verifies it.
func VerifyString(k *rsa.PublicKey, t Type, c Charset, content, signature string) error {
	if c != GBK {
		// The text's own bytes, which Verify only hashes: read in place
		// rather than copied (a request's string to sign is ~0.5-1 KB).
		return Verify(k, t, unsafe.Slice(unsafe.StringData(content), len(content)), signature)
	}
	b, err := c.Encode(content)
	if err != nil {
		return err
	}
	return Verify(k, t, b, signature)
}
