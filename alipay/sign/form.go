package sign

import (
	"crypto/rsa"
	"net/url"
	"sort"
	"strings"
)

// SignNotify signs params by the rule of notifications and synchronous
// returns (everything but sign and sign_type) and sets sign and sign_type.
func SignNotify(params map[string]string, k *rsa.PrivateKey, t Type, c Charset) error {
	sig, err := SignString(k, t, c, NotifyContent(params))
	if err != nil {
		return err
	}
	params["sign_type"] = string(t)
	params["sign"] = sig
	return nil
}

// EncodeForm form-encodes params in the charset, keys sorted: the bytes of
// each value are percent-encoded, so GBK values arrive as GBK.
func EncodeForm(params map[string]string, c Charset) (string, error) {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		v, err := c.Encode(params[k])
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(string(v)))
	}
	return b.String(), nil
}
