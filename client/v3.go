package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/alipay-mock/alipay-mock/alipay"
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
)

// v3 OpenAPI (REST) calls: the same methods, request and response types as
// Do, sent as POST /v3/alipay/trade/query with biz as the JSON body and an
// Authorization header, answered with HTTP statuses.

// v3GET reports whether v3 takes the method as GET, with biz in the query
// string (alipay.Methods says how each method is called).
func v3GET(method string) bool {
	d, _ := alipay.Lookup(method)
	return d.V3HTTPMethod == http.MethodGet
}

// V3 calls method over the v3 REST API on the gateway's host (path
// /v3/<method with "/" for ".">) and decodes the answer into out (which
// may be nil). biz is sent as Do sends biz_content, empty members left
// out; the client's notify_url goes into the body of the methods that take
// it. Options apply as in Do: WithAppAuthToken sends (and signs)
// alipay-app-auth-token, WithNotifyURL sets the body's notify_url. With
// EncryptKey the body goes AES-encrypted (alipay-encrypt-type: AES) and an
// encrypted answer is decrypted after its signature is checked; in
// certificate mode the authString carries app_cert_sn and the answer's
// alipay-sn must be AlipayCert's.
//
// A 200 answer must carry a signature that verifies (else ErrUnsigned or
// the verification error); out then gets Code CodeSuccess. A 202 (a
// barcode payment waiting for the buyer) is verified the same way and
// gets Code CodeProcessing. Errors come back as *Error, the code and
// sub_code v1 answers for the same refusal (apierr.FromV3, the one
// v1<->v3 table the mock answers by): v3's ACQ.* (and other business)
// codes as Code 40004 with SubCode the v3 code (the bill's renamed ones as
// v1's: BILL_NOT_EXIST → isp.bill_not_exist); gateway-level codes as
// their v1 code and prefixed sub_code (invalid-signature → 40002
// isv.invalid-signature, missing-app-cert-sn → 40002
// isv.missing-app-cert-sn), with SubMsg the v3 message.
func (c *Client) V3(ctx context.Context, method string, biz any, out any, opts ...CallOption) error {
	p := map[string]string{"app_auth_token": c.appAuthToken}
	if d, _ := alipay.Lookup(method); d.NotifyInBody {
		p["notify_url"] = c.notifyURL
	}
	for _, o := range opts {
		o(p)
	}
	body, query, err := c.v3Content(method, biz, p["notify_url"])
	if err != nil {
		return err
	}
	httpMethod := http.MethodPost
	if v3GET(method) {
		httpMethod, body = http.MethodGet, ""
	}
	u := *c.gateway
	u.Path = strings.TrimSuffix(u.Path, "gateway.do") + "v3/" + strings.ReplaceAll(method, ".", "/")
	u.RawPath, u.RawQuery = "", ""
	if httpMethod == http.MethodGet {
		u.RawQuery = query
	}
	contentType := "application/json"
	if c.encryptKey != "" && body != "" {
		// The ciphertext is what is sent and signed.
		if body, err = sign.EncryptContent(c.encryptKey, []byte(body)); err != nil {
			return fmt.Errorf("alipay: %s: encrypting: %w", method, err)
		}
		contentType = "text/plain"
	}
	token := p["app_auth_token"]
	authz, err := sign.SignV3Request(c.priv, sign.NewV3Auth(c.appID, c.appCertSN, c.now()), httpMethod, u.RequestURI(), body, token)
	if err != nil {
		return fmt.Errorf("alipay: %s: signing: %w", method, err)
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, httpMethod, u.String(), rd)
	if err != nil {
		return fmt.Errorf("alipay: %s: %w", method, err)
	}
	req.Header.Set(sign.HeaderAuthorization, authz)
	req.Header.Set(sign.HeaderRequestID, sign.NewNonce())
	req.Header.Set("Accept", "application/json")
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if contentType == "text/plain" {
		req.Header.Set(sign.HeaderEncryptType, "AES")
		req.Header.Set(sign.HeaderEncryptionAlgm, "AES")
	}
	if token != "" {
		req.Header.Set(sign.HeaderAppAuthToken, token)
	}
	if c.rootCertSN != "" {
		req.Header.Set(sign.HeaderRootCertSN, c.rootCertSN)
	}
	resp, raw, err := c.roundTrip(method, req)
	if err != nil {
		return err
	}
	return c.readV3Response(method, resp, raw, out)
}

// v3Content is the JSON body of a call and, for GET methods, the query
// string of its top-level members.
func (c *Client) v3Content(method string, biz any, notifyURL string) (body, query string, err error) {
	m := map[string]json.RawMessage{}
	if biz != nil {
		content, err := bizContent(biz)
		if err != nil {
			return "", "", fmt.Errorf("alipay: %s: body: %w", method, err)
		}
		body = content
		if notifyURL != "" || v3GET(method) {
			if err := json.Unmarshal([]byte(content), &m); err != nil {
				return "", "", fmt.Errorf("alipay: %s: body must be a JSON object: %w", method, err)
			}
		}
	}
	if notifyURL != "" {
		if _, set := m["notify_url"]; !set {
			m["notify_url"], _ = json.Marshal(notifyURL)
			b, err := marshalJSON(m)
			if err != nil {
				return "", "", fmt.Errorf("alipay: %s: body: %w", method, err)
			}
			body = string(b)
		}
	}
	if v3GET(method) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var q []string
		for _, k := range keys {
			var s string
			if json.Unmarshal(m[k], &s) != nil {
				s = string(m[k]) // numbers and booleans as written
			}
			q = append(q, url.QueryEscape(k)+"="+url.QueryEscape(s))
		}
		query = strings.Join(q, "&")
	}
	return body, query, nil
}

// readV3Response verifies and decodes a v3 answer.
func (c *Client) readV3Response(method string, resp *http.Response, raw []byte, out any) error {
	switch resp.StatusCode {
	case http.StatusOK, http.StatusAccepted:
	default:
		return v3Error(method, resp.StatusCode, raw)
	}
	sig := resp.Header.Get(sign.HeaderSignature)
	if sig == "" {
		return fmt.Errorf("alipay: %s: %w: %s", method, ErrUnsigned, snippet(raw))
	}
	if err := sign.VerifyV3Response(c.alipayPub, resp.Header.Get(sign.HeaderTimestamp), resp.Header.Get(sign.HeaderNonce), string(raw), sig); err != nil {
		return fmt.Errorf("alipay: %s: response %w with AlipayPublicKey: is it the Alipay public key of this gateway? (unverified response: %s)",
			method, err, snippet(raw))
	}
	if sn := resp.Header.Get(sign.HeaderSN); c.alipayCertSN != "" && sn != c.alipayCertSN {
		return fmt.Errorf("alipay: %s: answer signed with the Alipay certificate %q, not AlipayCert's %q: fetch it with alipay.open.app.alipaycert.download",
			method, sn, c.alipayCertSN)
	}
	if c.encryptKey != "" && len(bytes.TrimSpace(raw)) > 0 && bytes.TrimSpace(raw)[0] != '{' {
		plain, err := sign.DecryptContent(c.encryptKey, string(raw))
		if err != nil {
			return fmt.Errorf("alipay: %s: decrypting the response: %w", method, err)
		}
		raw = plain
	}
	if out == nil {
		return nil
	}
	status := Response{Code: CodeSuccess, Msg: apierr.Msg(CodeSuccess)}
	if resp.StatusCode == http.StatusAccepted {
		status = Response{Code: CodeProcessing, Msg: apierr.Msg(CodeProcessing)}
	}
	// The code v1 would have answered, then the body's fields.
	head, _ := json.Marshal(status)
	if err := json.Unmarshal(head, out); err != nil {
		return fmt.Errorf("alipay: %s: decoding response: %w", method, err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("alipay: %s: decoding response: %w", method, err)
	}
	return nil
}

// v3Error turns a v3 error body into *Error (the v1 code and sub_code of
// apierr's v1<->v3 table), or a plain error when the body is not one (a
// proxy's HTML page).
func v3Error(method string, status int, raw []byte) error {
	e, err := sign.ParseV3Error(raw)
	if err != nil || e.Code == "" {
		return fmt.Errorf("alipay: %s: HTTP %d %s: %s", method, status, http.StatusText(status), snippet(raw))
	}
	return apierr.FromV3(status, e.Code, e.Message)
}

// callV3 is V3 with a typed response; it returns nil on any error.
func callV3[T any](ctx context.Context, c *Client, method string, biz any, opts []CallOption) (*T, error) {
	out := new(T)
	if err := c.V3(ctx, method, biz, out, opts...); err != nil {
		return nil, err
	}
	return out, nil
}

// PrecreateV3 is Precreate over the v3 API.
func (c *Client) PrecreateV3(ctx context.Context, req PrecreateRequest, opts ...CallOption) (*PrecreateResponse, error) {
	return callV3[PrecreateResponse](ctx, c, "alipay.trade.precreate", req, opts)
}

// PayV3 is Pay over the v3 API; Code CodeProcessing (HTTP 202) means the
// buyer must still confirm.
func (c *Client) PayV3(ctx context.Context, req PayRequest, opts ...CallOption) (*PayResponse, error) {
	if req.Scene == "" {
		req.Scene = "bar_code"
	}
	return callV3[PayResponse](ctx, c, "alipay.trade.pay", req, opts)
}

// QueryV3 is Query over the v3 API.
func (c *Client) QueryV3(ctx context.Context, req QueryRequest, opts ...CallOption) (*QueryResponse, error) {
	return callV3[QueryResponse](ctx, c, "alipay.trade.query", req, opts)
}

// RefundV3 is Refund over the v3 API.
func (c *Client) RefundV3(ctx context.Context, req RefundRequest, opts ...CallOption) (*RefundResponse, error) {
	return callV3[RefundResponse](ctx, c, "alipay.trade.refund", req, opts)
}

// RefundQueryV3 is RefundQuery over the v3 API.
func (c *Client) RefundQueryV3(ctx context.Context, req RefundQueryRequest, opts ...CallOption) (*RefundQueryResponse, error) {
	return callV3[RefundQueryResponse](ctx, c, "alipay.trade.fastpay.refund.query", req, opts)
}
