package sign

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
)

// NodeName is the response node of a method: dots become underscores and
// "_response" is appended ("alipay.trade.query" → "alipay_trade_query_response").
func NodeName(method string) string {
	return strings.ReplaceAll(method, ".", "_") + "_response"
}

// MaxMethodLen bounds a method name; the longest Alipay method names are
// under 60 characters.
const MaxMethodLen = 128

// methodName is the shape of every Alipay method name: lowercase dotted
// segments ("alipay.trade.query", "koubei.marketing.campaign.item.create").
var methodName = regexp.MustCompile(`^[a-z][a-z0-9]*(\.[a-z0-9_]+)+$`)

// ValidMethod reports whether name has the shape of an Alipay method name,
// so that its node name is plain [a-z0-9_] text, safe in JSON and HTML.
func ValidMethod(name string) bool {
	return len(name) <= MaxMethodLen && methodName.MatchString(name)
}

// ResponseNode is the node a gateway answers a request for method in: the
// method's own node when the name has the shape of a method name, else
// ErrorNode, so no request text ever becomes a node name.
func ResponseNode(method string) string {
	if !ValidMethod(method) {
		return ErrorNode
	}
	return NodeName(method)
}

// ErrorNode is the legacy node the gateway uses when it knows no method.
const ErrorNode = "error_response"

// Envelope lays out a response body exactly as production does: the node
// first, then alipay_cert_sn in certificate mode, then sign; compact, so the
// node's bytes in the body are the bytes that were signed.
func Envelope(node string, raw []byte, signature, certSN string) []byte {
	return AppendEnvelope(make([]byte, 0, len(raw)+len(signature)+len(node)+64), node, raw, signature, certSN)
}

// AppendEnvelope is Envelope appended to dst (a buffer the caller reuses).
func AppendEnvelope(dst []byte, node string, raw []byte, signature, certSN string) []byte {
	b := append(dst, `{"`...)
	b = append(b, node...)
	b = append(b, `":`...)
	b = append(b, raw...)
	if certSN != "" {
		b = append(b, `,"alipay_cert_sn":"`...)
		b = append(b, certSN...)
		b = append(b, '"')
	}
	if signature != "" {
		b = append(b, `,"sign":"`...)
		b = append(b, signature...)
		b = append(b, '"')
	}
	return append(b, '}')
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
