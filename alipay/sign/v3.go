package sign

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// v3 OpenAPI (REST) signatures. Requests carry
//
//	Authorization: ALIPAY-SHA256withRSA <authString>,sign=<base64>
//
// signed with the app key over V3RequestContent; 200 responses carry
// alipay-timestamp, alipay-nonce and alipay-signature, signed with
// Alipay's key over V3ResponseContent. Always SHA256withRSA over UTF-8.

// V3Scheme is the Authorization scheme of v3 requests.
const V3Scheme = "ALIPAY-SHA256withRSA"

// v3 header names (lower case, as the SDKs write them).
const (
	HeaderAuthorization  = "Authorization"
	HeaderTimestamp      = "alipay-timestamp"       // response: signed timestamp
	HeaderNonce          = "alipay-nonce"           // response: signed nonce
	HeaderSignature      = "alipay-signature"       // response: signature
	HeaderSN             = "alipay-sn"              // response, cert mode: SN of Alipay's cert
	HeaderTraceID        = "alipay-trace-id"        // response
	HeaderRequestID      = "alipay-request-id"      // request: caller's unique id
	HeaderAppAuthToken   = "alipay-app-auth-token"  // request: ISV token, also signed
	HeaderRootCertSN     = "alipay-root-cert-sn"    // request, cert mode
	HeaderEncryptType    = "alipay-encrypt-type"    // request: "AES" when the body is encrypted
	HeaderEncryptionAlgm = "alipay-encryption-algm" // request: "AES" (Node SDK sends both)
)

// Errors of v3 Authorization parsing and verification. Production answers
// a request without Authorization with 400 missing-timestamp.
var (
	ErrV3NoAuthorization   = errors.New("sign: v3 request has no Authorization header")
	ErrV3Scheme            = errors.New("sign: v3 Authorization scheme is not " + V3Scheme)
	ErrV3MissingSignature  = errors.New("sign: v3 Authorization has no sign")
	ErrV3SignatureEncoding = errors.New("sign: v3 sign is not base64")
	ErrV3MissingAppID      = errors.New("sign: v3 authString has no app_id")
	ErrV3MissingTimestamp  = errors.New("sign: v3 authString has no timestamp")
	ErrV3MissingNonce      = errors.New("sign: v3 authString has no nonce")
	ErrV3InvalidTimestamp  = errors.New("sign: v3 timestamp or expired_seconds is not a number")
)

// V3Pair is one key=value item of an authString.
type V3Pair struct{ Key, Value string }

// V3Auth holds the items of an authString.
type V3Auth struct {
	AppID          string
	AppCertSN      string // cert mode only
	Nonce          string
	Timestamp      string // epoch milliseconds
	ExpiredSeconds string // optional
	Extra          []V3Pair
}

// NewV3Auth returns the items the SDKs send: a random UUID nonce (Node,
// Java) and the time in epoch milliseconds.
func NewV3Auth(appID, appCertSN string, now time.Time) V3Auth {
	return V3Auth{
		AppID:     appID,
		AppCertSN: appCertSN,
		Nonce:     NewNonce(),
		Timestamp: strconv.FormatInt(now.UnixMilli(), 10),
	}
}

// NewNonce returns a random version-4 UUID, the nonce the official SDKs use.
func NewNonce() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// String builds the authString in the SDKs' order:
// app_id=..[,app_cert_sn=..],nonce=..,timestamp=..[,expired_seconds=..] then
// the extra pairs. For a parsed V3Auth it may differ from the text that was
// received; verify against the authString ParseV3Authorization returns.
func (a V3Auth) String() string {
	var b strings.Builder
	b.WriteString("app_id=")
	b.WriteString(a.AppID)
	if a.AppCertSN != "" {
		b.WriteString(",app_cert_sn=")
		b.WriteString(a.AppCertSN)
	}
	b.WriteString(",nonce=")
	b.WriteString(a.Nonce)
	b.WriteString(",timestamp=")
	b.WriteString(a.Timestamp)
	if a.ExpiredSeconds != "" {
		b.WriteString(",expired_seconds=")
		b.WriteString(a.ExpiredSeconds)
	}
	for _, p := range a.Extra {
		b.WriteByte(',')
		b.WriteString(p.Key)
		b.WriteByte('=')
		b.WriteString(p.Value)
	}
	return b.String()
}

// Time reads Timestamp as epoch milliseconds.
func (a V3Auth) Time() (time.Time, error) {
	ms, err := strconv.ParseInt(strings.TrimSpace(a.Timestamp), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: timestamp %q", ErrV3InvalidTimestamp, a.Timestamp)
	}
	return time.UnixMilli(ms), nil
}

// TTL is how old the request may be: its expired_seconds, or def when it
// has none. The gateway checks this, not the SDKs.
func (a V3Auth) TTL(def time.Duration) (time.Duration, error) {
	s := strings.TrimSpace(a.ExpiredSeconds)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/int64(time.Second) {
		return 0, fmt.Errorf("%w: expired_seconds %q", ErrV3InvalidTimestamp, a.ExpiredSeconds)
	}
	return time.Duration(n) * time.Second, nil
}

// V3RequestContent is the string a v3 request signs, each line ending in
// "\n": authString, HTTP method, request URI (path plus "?query" exactly as
// sent, no host), body exactly as sent ("" when there is none), and the
// app_auth_token line only when there is a token.
func V3RequestContent(authString, method, uri, body, appAuthToken string) string {
	var b strings.Builder
	b.Grow(len(authString) + len(method) + len(uri) + len(body) + len(appAuthToken) + 5)
	b.WriteString(authString)
	b.WriteByte('\n')
	b.WriteString(method)
	b.WriteByte('\n')
	b.WriteString(uri)
	b.WriteByte('\n')
	b.WriteString(body)
	b.WriteByte('\n')
	if appAuthToken != "" {
		b.WriteString(appAuthToken)
		b.WriteByte('\n')
	}
	return b.String()
}

// SignV3Request signs a request with the app key and returns the
// Authorization header value.
func SignV3Request(k *rsa.PrivateKey, auth V3Auth, method, uri, body, appAuthToken string) (string, error) {
	as := auth.String()
	sig, err := Sign(k, RSA2, []byte(V3RequestContent(as, method, uri, body, appAuthToken)))
	if err != nil {
		return "", err
	}
	return V3Scheme + " " + as + ",sign=" + sig, nil
}

// ParseV3Authorization takes an Authorization value apart: the scheme,
// then the authString up to the last ",sign=", then the signature. The
// authString is returned verbatim for verification; its items are split at
// "," and at the first "=", spaces around them trimmed, first occurrence
// wins, and unknown items are kept in Extra.
func ParseV3Authorization(header string) (auth V3Auth, authString, signature string, err error) {
	h := strings.TrimSpace(header)
	if h == "" {
		return auth, "", "", ErrV3NoAuthorization
	}
	scheme, rest, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, V3Scheme) {
		return auth, "", "", fmt.Errorf("%w: %q", ErrV3Scheme, scheme)
	}
	rest = strings.TrimSpace(rest)
	i := strings.LastIndex(rest, ",sign=")
	if i < 0 {
		authString = rest
	} else {
		authString, signature = rest[:i], strings.TrimSpace(rest[i+len(",sign="):])
	}
	auth = parseAuthString(authString)
	switch {
	case auth.Timestamp == "":
		return auth, authString, signature, ErrV3MissingTimestamp
	case auth.AppID == "":
		return auth, authString, signature, ErrV3MissingAppID
	case auth.Nonce == "":
		return auth, authString, signature, ErrV3MissingNonce
	case signature == "":
		return auth, authString, "", ErrV3MissingSignature
	}
	if _, err := base64.StdEncoding.DecodeString(signature); err != nil {
		return auth, authString, signature, ErrV3SignatureEncoding
	}
	return auth, authString, signature, nil
}

func parseAuthString(s string) V3Auth {
	var a V3Auth
	seen := map[string]bool{}
	for item := range strings.SplitSeq(s, ",") {
		k, v, _ := strings.Cut(item, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "" && v == "" {
			continue
		}
		var dst *string
		switch k {
		case "app_id":
			dst = &a.AppID
		case "app_cert_sn":
			dst = &a.AppCertSN
		case "nonce":
			dst = &a.Nonce
		case "timestamp":
			dst = &a.Timestamp
		case "expired_seconds":
			dst = &a.ExpiredSeconds
		default:
			a.Extra = append(a.Extra, V3Pair{k, v})
			continue
		}
		if !seen[k] {
			seen[k] = true
			*dst = v
		}
	}
	return a
}

// VerifyV3Request checks a request signature against the app's public
// key. authString and signature come from ParseV3Authorization; uri and
// body must be the raw ones received.
func VerifyV3Request(pub *rsa.PublicKey, authString, signature, method, uri, body, appAuthToken string) error {
	if _, err := base64.StdEncoding.DecodeString(strings.TrimSpace(signature)); err != nil {
		return ErrV3SignatureEncoding
	}
	return Verify(pub, RSA2, []byte(V3RequestContent(authString, method, uri, body, appAuthToken)), signature)
}

// V3ResponseContent is the string a v3 response signs:
// alipay-timestamp, alipay-nonce and the exact body, each followed by "\n".
func V3ResponseContent(timestamp, nonce, body string) string {
	return timestamp + "\n" + nonce + "\n" + body + "\n"
}

// SignV3Response signs a response body with Alipay's key; the result goes
// in alipay-signature.
func SignV3Response(k *rsa.PrivateKey, timestamp, nonce, body string) (string, error) {
	return Sign(k, RSA2, []byte(V3ResponseContent(timestamp, nonce, body)))
}

// VerifyV3Response checks alipay-signature against Alipay's public key.
func VerifyV3Response(pub *rsa.PublicKey, timestamp, nonce, body, signature string) error {
	return Verify(pub, RSA2, []byte(V3ResponseContent(timestamp, nonce, body)), signature)
}

// V3Link is one item of a v3 error's links.
type V3Link struct {
	Link string `json:"link"`
	Desc string `json:"desc"`
}

// V3Error is the body of a v3 error (HTTP 4xx/5xx, unsigned). Field order
// is production's (code, links, message); links is left out when empty.
type V3Error struct {
	Code    string   `json:"code"`
	Links   []V3Link `json:"links,omitempty"`
	Message string   `json:"message"`
}

func (e *V3Error) Error() string { return "alipay v3: " + e.Code + ": " + e.Message }

// Bytes is the compact JSON body, with "&", "<" and ">" left as they are
// (json.Marshal would write \u0026 into the links).
func (e *V3Error) Bytes() []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(e) // strings and a slice of them: cannot fail
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// ParseV3Error reads a v3 error body.
func ParseV3Error(body []byte) (*V3Error, error) {
	var e V3Error
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, err
	}
	return &e, nil
}
