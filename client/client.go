// Package client is a Go client for Alipay's v1 gateway (gateway.do): it
// signs requests, verifies every signed response, builds page/wap/app pay
// URLs, forms and order strings, and verifies asynchronous notifications
// and return_url redirects. It talks to production, the sandbox or
// alipay-mock alike; Transport points SDKs with a fixed gateway host at the
// mock.
//
// A method returns (nil, err) when the call fails, but Cancel: a failed
// cancel returns its answer with the *Error, for RetryFlag.
package client

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/keys"
)

// Gateways of the real Alipay.
const (
	ProductionGateway = "https://openapi.alipay.com/gateway.do"
	SandboxGateway    = "https://openapi-sandbox.dl.alipaydev.com/gateway.do"
	// LegacySandboxGateway is the retired sandbox, still named in old samples.
	LegacySandboxGateway = "https://openapi.alipaydev.com/gateway.do"
)

// Error is the error Alipay answers with: code, msg, sub_code, sub_msg.
// Match it with errors.As, or with errors.Is against a value such as
// &client.Error{Code: "40004", SubCode: "ACQ.TRADE_NOT_EXIST"}.
type Error = apierr.Error

// Codes of a successful response.
const (
	CodeSuccess = apierr.CodeSuccess
	// CodeProcessing (10003) means the payment waits for the buyer, e.g. to
	// enter a password: query the trade until it settles, cancel if it does not.
	// On a red-packet operation it means still processing: send the same
	// request again or query it (see CouponResponse).
	CodeProcessing = apierr.CodeProcessing
)

// ErrUnsigned is returned for a success response, a notification or a
// return that carries no sign: it cannot be trusted.
var ErrUnsigned = errors.New("alipay: no sign, refusing an unverifiable message")

// Config configures a Client. GatewayURL, AppID, a private key and the
// Alipay public key are required.
type Config struct {
	// GatewayURL is the full gateway URL, e.g. ProductionGateway or
	// "http://127.0.0.1:8080/gateway.do" for the mock.
	GatewayURL string
	AppID      string

	// PrivateKey is the app private key, PEM or raw base64, PKCS#1 or
	// PKCS#8 (both forms Alipay's key tool prints). PrivateKeyRSA may be
	// set instead.
	PrivateKey    string
	PrivateKeyRSA *rsa.PrivateKey

	// AlipayPublicKey is the key the console shows as "支付宝公钥" (not the
	// app public key), PEM or raw base64, or a certificate.
	// AlipayPublicKeyRSA may be set instead.
	AlipayPublicKey    string
	AlipayPublicKeyRSA *rsa.PublicKey

	// SignType is sign.RSA2 (default) or sign.RSA.
	SignType sign.Type
	// Charset is "UTF-8" (default) or "GBK" (also "gb2312"), case-insensitive.
	Charset string

	// HTTPClient defaults to a client with a 30 s timeout.
	HTTPClient *http.Client
	// NotifyURL is sent as notify_url on every call unless a call overrides it.
	NotifyURL string
	// AppAuthToken makes an ISV act for a merchant on every call.
	AppAuthToken string
	// EncryptKey is the app's AES content key (接口内容加密, base64): set,
	// biz_content is sent encrypted (encrypt_type=AES) and encrypted
	// answers are decrypted after their signature is checked.
	EncryptKey string
	// Certificate mode (公钥证书), PEM text of the three files the console
	// gives: AppCert (appCertPublicKey_<appid>.crt), AlipayRootCert
	// (alipayRootCert.crt) and AlipayCert (alipayCertPublicKey_RSA2.crt).
	// Set, requests carry app_cert_sn and alipay_root_cert_sn, the Alipay
	// public key is AlipayCert's, and answers must name its SN.
	AppCert, AlipayRootCert, AlipayCert string
	// Now stamps requests; defaults to time.Now. Timestamps are always
	// written in GMT+8.
	Now func() time.Time
}

// Client calls one Alipay gateway as one app. It is safe for concurrent use.
type Client struct {
	gateway      *url.URL
	appID        string
	priv         *rsa.PrivateKey
	alipayPub    *rsa.PublicKey
	signType     sign.Type
	charset      sign.Charset
	http         *http.Client
	notifyURL    string
	appAuthToken string
	encryptKey   string
	now          func() time.Time
	// certificate mode
	appCertSN, rootCertSN, alipayCertSN string
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	gw, err := url.Parse(cfg.GatewayURL)
	if err != nil || (gw.Scheme != "http" && gw.Scheme != "https") || gw.Host == "" {
		return nil, fmt.Errorf("alipay: GatewayURL %q is not an http(s) URL; want e.g. %s", cfg.GatewayURL, ProductionGateway)
	}
	if !strings.HasSuffix(gw.Path, "gateway.do") {
		return nil, fmt.Errorf("alipay: GatewayURL %q must be the full URL ending in gateway.do, e.g. %s://%s/gateway.do", cfg.GatewayURL, gw.Scheme, gw.Host)
	}
	if cfg.AppID == "" {
		return nil, errors.New("alipay: AppID is required")
	}
	c := &Client{
		gateway:      gw,
		appID:        cfg.AppID,
		signType:     sign.RSA2,
		http:         cfg.HTTPClient,
		notifyURL:    cfg.NotifyURL,
		appAuthToken: cfg.AppAuthToken,
		encryptKey:   cfg.EncryptKey,
		now:          cfg.Now,
	}
	if c.encryptKey != "" {
		if _, err := sign.EncryptContent(c.encryptKey, nil); err != nil {
			return nil, fmt.Errorf("alipay: EncryptKey: %w", err)
		}
	}
	if cfg.SignType != "" {
		if c.signType, err = sign.ParseType(string(cfg.SignType)); err != nil {
			return nil, fmt.Errorf("alipay: SignType: %w", err)
		}
	}
	if c.charset, err = sign.ParseCharset(cfg.Charset); err != nil {
		return nil, fmt.Errorf("alipay: Charset: %w", err)
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 30 * time.Second}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.priv, err = privateKey(cfg); err != nil {
		return nil, err
	}
	if cfg.AppCert != "" || cfg.AlipayRootCert != "" || cfg.AlipayCert != "" {
		if err := c.certMode(&cfg); err != nil {
			return nil, err
		}
	}
	if c.alipayPub, err = alipayPublicKey(cfg); err != nil {
		return nil, err
	}
	if c.priv.PublicKey.Equal(c.alipayPub) {
		return nil, errors.New("alipay: AlipayPublicKey is the public half of PrivateKey, i.e. the app public key; " +
			"set it to the Alipay public key (支付宝公钥) shown next to the app public key in the console")
	}
	return c, nil
}

// certMode reads the three certificates of certificate mode: the SNs to
// send and expect, and the Alipay public key.
func (c *Client) certMode(cfg *Config) error {
	if cfg.AppCert == "" || cfg.AlipayRootCert == "" || cfg.AlipayCert == "" {
		return errors.New("alipay: certificate mode needs AppCert, AlipayRootCert and AlipayCert")
	}
	app, err := keys.ParseCertificates([]byte(cfg.AppCert))
	if err != nil || len(app) == 0 {
		return fmt.Errorf("alipay: AppCert: %v", err)
	}
	if c.rootCertSN, err = keys.RootCertSNFromPEM([]byte(cfg.AlipayRootCert)); err != nil {
		return fmt.Errorf("alipay: AlipayRootCert: %w", err)
	}
	ali, err := keys.ParseCertificates([]byte(cfg.AlipayCert))
	if err != nil || len(ali) == 0 {
		return fmt.Errorf("alipay: AlipayCert: %v", err)
	}
	pub, ok := ali[0].PublicKey.(*rsa.PublicKey)
	if !ok {
		return errors.New("alipay: AlipayCert is not an RSA certificate")
	}
	if cfg.AlipayPublicKey != "" || (cfg.AlipayPublicKeyRSA != nil && !cfg.AlipayPublicKeyRSA.Equal(pub)) {
		return errors.New("alipay: in certificate mode the Alipay public key comes from AlipayCert; leave AlipayPublicKey unset")
	}
	cfg.AlipayPublicKeyRSA = pub
	c.appCertSN, c.alipayCertSN = keys.CertSN(app[0]), keys.CertSN(ali[0])
	return nil
}

func privateKey(cfg Config) (*rsa.PrivateKey, error) {
	switch {
	case cfg.PrivateKeyRSA != nil && cfg.PrivateKey != "":
		return nil, errors.New("alipay: set PrivateKey or PrivateKeyRSA, not both")
	case cfg.PrivateKeyRSA != nil:
		return cfg.PrivateKeyRSA, nil
	case cfg.PrivateKey == "":
		return nil, errors.New("alipay: PrivateKey (the app private key) is required")
	}
	k, err := keys.ParsePrivateKey([]byte(cfg.PrivateKey))
	if errors.Is(err, keys.ErrNotPrivateKey) {
		return nil, errors.New("alipay: PrivateKey holds a public key; it must be the app private key " +
			"(were PrivateKey and AlipayPublicKey swapped?)")
	}
	if err != nil {
		return nil, fmt.Errorf("alipay: PrivateKey: %w", err)
	}
	return k, nil
}

func alipayPublicKey(cfg Config) (*rsa.PublicKey, error) {
	switch {
	case cfg.AlipayPublicKeyRSA != nil && cfg.AlipayPublicKey != "":
		return nil, errors.New("alipay: set AlipayPublicKey or AlipayPublicKeyRSA, not both")
	case cfg.AlipayPublicKeyRSA != nil:
		return cfg.AlipayPublicKeyRSA, nil
	case cfg.AlipayPublicKey == "":
		return nil, errors.New("alipay: AlipayPublicKey is required to verify responses and notifications")
	}
	k, err := keys.ParsePublicKey([]byte(cfg.AlipayPublicKey))
	if errors.Is(err, keys.ErrNotPublicKey) {
		return nil, errors.New("alipay: AlipayPublicKey holds a private key; it must be the Alipay public key " +
			"(were PrivateKey and AlipayPublicKey swapped?)")
	}
	if err != nil {
		return nil, fmt.Errorf("alipay: AlipayPublicKey: %w", err)
	}
	return k, nil
}

// AppID is the app the client signs as.
func (c *Client) AppID() string { return c.appID }

// CallOption changes the common parameters of one call.
type CallOption func(params map[string]string)

// WithParam sets a common parameter; an empty value removes it.
func WithParam(key, value string) CallOption {
	return func(p map[string]string) { p[key] = value }
}

// WithReturnURL sets return_url, where the page or wap pay cashier sends the
// browser back (app pay ignores it, as production does: docs/differences.md).
func WithReturnURL(u string) CallOption { return WithParam("return_url", u) }

// WithNotifyURL overrides the client's notify_url for one call.
func WithNotifyURL(u string) CallOption { return WithParam("notify_url", u) }

// WithAppAuthToken overrides the client's app_auth_token for one call.
func WithAppAuthToken(t string) CallOption { return WithParam("app_auth_token", t) }

// wireCharset is how the charset is named on the wire, as the Java SDK does.
func (c *Client) wireCharset() string {
	if c.charset == sign.GBK {
		return "GBK"
	}
	return "UTF-8"
}

// signedParams builds the common parameters of a call, biz_content from biz,
// and the sign over all of them. Values are text; encode them for the wire.
func (c *Client) signedParams(method string, biz any, opts []CallOption) (map[string]string, error) {
	p := map[string]string{
		"app_id":              c.appID,
		"method":              method,
		"format":              "JSON",
		"charset":             c.wireCharset(),
		"sign_type":           string(c.signType),
		"timestamp":           timestamp.Format(c.now()),
		"version":             "1.0",
		"notify_url":          c.notifyURL,
		"app_auth_token":      c.appAuthToken,
		"app_cert_sn":         c.appCertSN,
		"alipay_root_cert_sn": c.rootCertSN,
	}
	if biz != nil {
		content, err := bizContent(biz)
		if err != nil {
			return nil, fmt.Errorf("alipay: %s: biz_content: %w", method, err)
		}
		p["biz_content"] = content
	}
	for _, o := range opts {
		o(p)
	}
	for k, v := range p {
		if v == "" {
			delete(p, k)
			continue
		}
		if _, err := c.charset.Encode(v); err != nil {
			return nil, fmt.Errorf("alipay: %s: %s has characters that %s cannot hold: %w", method, k, c.wireCharset(), err)
		}
	}
	if c.encryptKey != "" && p["biz_content"] != "" {
		plain, err := c.charset.Encode(p["biz_content"])
		if err != nil {
			return nil, fmt.Errorf("alipay: %s: biz_content: %w", method, err)
		}
		if p["biz_content"], err = sign.EncryptContent(c.encryptKey, plain); err != nil {
			return nil, fmt.Errorf("alipay: %s: encrypting biz_content: %w", method, err)
		}
		p["encrypt_type"] = "AES"
	}
	delete(p, "sign")
	s, err := sign.SignString(c.priv, c.signType, c.charset, sign.RequestContent(p))
	if err != nil {
		return nil, fmt.Errorf("alipay: %s: signing: %w", method, err)
	}
	p["sign"] = s
	return p, nil
}

// encode percent-encodes params in the client's charset, sorted by key.
func (c *Client) encode(params map[string]string) (string, error) {
	v := make(url.Values, len(params))
	for k, s := range params {
		b, err := c.charset.Encode(s)
		if err != nil {
			return "", fmt.Errorf("alipay: %s cannot be written in %s: %w", k, c.wireCharset(), err)
		}
		v.Set(k, string(b))
	}
	return v.Encode(), nil
}

// Do calls method with biz as biz_content and decodes the response node
// into out (which may be nil).
//
// biz is marshalled with encoding/json; members whose value is "", null, {}
// or [] are left out at every depth, so zero fields never reach the gateway.
// A nil biz sends no biz_content.
//
// A response carrying sign is always verified, whatever its code; a
// success (10000, or 10003 "processing") without sign is ErrUnsigned. Any
// other code is returned as *Error, after out has been filled with the
// node (failures echo fields such as out_trade_no). A 10003 returns nil:
// check the Code of out.
func (c *Client) Do(ctx context.Context, method string, biz any, out any, opts ...CallOption) error {
	params, err := c.signedParams(method, biz, opts)
	if err != nil {
		return err
	}
	body, err := c.encode(params)
	if err != nil {
		return err
	}
	u := *c.gateway
	q := u.Query()
	q.Set("charset", c.wireCharset()) // so the server can decode the body before parsing it
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(body))
	if err != nil {
		return fmt.Errorf("alipay: %s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset="+c.wireCharset())
	resp, raw, err := c.roundTrip(method, req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("alipay: %s: HTTP %s: %s", method, resp.Status, snippet(raw))
	}
	return c.readResponse(method, resp.Header.Get("Content-Type"), raw, out)
}

// roundTrip sends a request and reads the whole answer (up to 16 MiB).
func (c *Client) roundTrip(method string, req *http.Request) (*http.Response, []byte, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("alipay: %s: %w", method, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("alipay: %s: reading response: %w", method, err)
	}
	return resp, raw, nil
}

// readResponse decodes, verifies and unpacks a gateway answer.
func (c *Client) readResponse(method, contentType string, raw []byte, out any) error {
	text, cs, err := c.decodeBody(contentType, raw)
	if err != nil {
		return fmt.Errorf("alipay: %s: %w", method, err)
	}
	r, err := sign.ParseResponse([]byte(text), method)
	if err != nil {
		return fmt.Errorf("alipay: %s: unreadable response: %w: %s", method, err, snippet(raw))
	}
	signed := string(r.Raw) // for an encrypted answer, the ciphertext with its quotes
	if cipher, isString := sign.NodeCipher(r.Raw); isString {
		if c.encryptKey == "" {
			return fmt.Errorf("alipay: %s: the response is encrypted; set EncryptKey (the app's AES key)", method)
		}
		plain, err := sign.DecryptContent(c.encryptKey, cipher)
		if err != nil {
			return fmt.Errorf("alipay: %s: decrypting the response: %w", method, err)
		}
		text, err := cs.Decode(plain)
		if err != nil {
			return fmt.Errorf("alipay: %s: decrypted response is not %s: %w", method, cs, err)
		}
		r.Raw = json.RawMessage(text)
	}
	if len(r.Raw) == 0 || r.Raw[0] != '{' {
		return fmt.Errorf("alipay: %s: response node is not an object: %s", method, snippet(raw))
	}
	var status Error
	if err := json.Unmarshal(r.Raw, &status); err != nil {
		return fmt.Errorf("alipay: %s: response node: %w", method, err)
	}
	// A method node without code is a success: alipay.system.oauth.token
	// answers so (its errors come in error_response).
	ok := status.Code == CodeSuccess || status.Code == CodeProcessing || (status.Code == "" && r.Node != sign.ErrorNode)
	if c.alipayCertSN != "" && (r.CertSN != "" || (ok && r.Sign != "")) && r.CertSN != c.alipayCertSN {
		return fmt.Errorf("alipay: %s: answer signed with the Alipay certificate %q, not AlipayCert's %q: fetch it with alipay.open.app.alipaycert.download",
			method, r.CertSN, c.alipayCertSN)
	}
	switch {
	case r.Sign != "":
		// The node's text re-encoded in the body's charset is the bytes
		// received, which is what was signed.
		if err := sign.VerifyString(c.alipayPub, c.signType, cs, signed, r.Sign); err != nil {
			if other := otherType(c.signType); sign.VerifyString(c.alipayPub, other, cs, signed, r.Sign) == nil {
				return fmt.Errorf("alipay: %s: response %w as %s but verifies as %s: the app's key is registered as %s, set SignType to match (unverified response: %s)",
					method, err, c.signType, other, other, status.Error())
			}
			return fmt.Errorf("alipay: %s: response %w with AlipayPublicKey: is it the Alipay public key of this gateway? (unverified response: %s)",
				method, err, status.Error())
		}
	case ok:
		return fmt.Errorf("alipay: %s: %w: %s", method, ErrUnsigned, snippet(raw))
	}
	if out != nil {
		if err := json.Unmarshal(r.Raw, out); err != nil && ok {
			return fmt.Errorf("alipay: %s: decoding response: %w", method, err)
		}
	}
	if !ok {
		return &status
	}
	return nil
}

// decodeBody turns a body into text, by the charset its Content-Type names
// or else the request charset. Decoding first matters for GBK, whose
// second bytes may be '\'.
func (c *Client) decodeBody(contentType string, raw []byte) (string, sign.Charset, error) {
	cs := c.charset
	if _, params, err := mime.ParseMediaType(contentType); err == nil && params["charset"] != "" {
		if parsed, err := sign.ParseCharset(params["charset"]); err == nil {
			cs = parsed
		}
	}
	text, err := cs.Decode(raw)
	if err != nil {
		return "", "", fmt.Errorf("response is not %s: %w", cs, err)
	}
	return text, cs, nil
}

func otherType(t sign.Type) sign.Type {
	if t == sign.RSA {
		return sign.RSA2
	}
	return sign.RSA
}

func snippet(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}
