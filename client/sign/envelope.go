package sign

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// NodeName is the response node of a method: dots become underscores and
// "_response" is appended ("alipay.trade.query" → "alipay_trade_query_response").
func NodeName(method string) string {
	return strings.ReplaceAll(method, ".", "_") + "_response"
}

// ErrorNode is the legacy node the gateway uses when it knows no method.
const ErrorNode = "error_response"

// Envelope lays out a response body exactly as production does: the node
// first, then alipay_cert_sn in certificate mode, then sign; compact, so the
// node's bytes in the body are the bytes that were signed.
func Envelope(node string, raw []byte, signature, certSN string) []byte {
	var b bytes.Buffer
	b.Grow(len(raw) + len(signature) + len(node) + 64)
	b.WriteString(`{"`)
	b.WriteString(node)
	b.WriteString(`":`)
	b.Write(raw)
	if certSN != "" {
		b.WriteString(`,"alipay_cert_sn":"`)
		b.WriteString(certSN)
		b.WriteByte('"')
	}
	if signature != "" {
		b.WriteString(`,"sign":"`)
		b.WriteString(signature)
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.Bytes()
}

// Response is a response body taken apart.
type Response struct {
	Node   string          // the node's name as found
	Raw    json.RawMessage // the node's exact bytes: what the signature covers
	Sign   string
	CertSN string
}

// ErrNoNode is returned when a body has neither the method's node nor error_response.
var ErrNoNode = errors.New("sign: response has no node for the method")

// ParseResponse finds the method's node (or error_response) in a body,
// keeping its exact bytes.
func ParseResponse(body []byte, method string) (*Response, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	r := &Response{Node: NodeName(method)}
	raw, ok := m[r.Node]
	if !ok {
		r.Node = ErrorNode
		if raw, ok = m[ErrorNode]; !ok {
			return nil, ErrNoNode
		}
	}
	r.Raw = raw
	if s, ok := m["sign"]; ok {
		_ = json.Unmarshal(s, &r.Sign)
	}
	if s, ok := m["alipay_cert_sn"]; ok {
		_ = json.Unmarshal(s, &r.CertSN)
	}
	return r, nil
}
