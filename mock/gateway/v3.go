package gateway

import (
	"bytes"
	"crypto/rsa"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/alipay"
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/mock/redact"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// The v3 OpenAPI (REST): POST /v3/alipay/trade/query with the biz_content
// as the JSON body, an Authorization header instead of common parameters,
// and HTTP statuses for errors. It runs the v1 methods on the same books,
// so a trade made through one API is seen through the other.

// V3Prefix is where the v3 routes live.
const V3Prefix = alipay.V3Prefix

// v3Method is the table entry of the method a v3 path names; a method
// has a v3 route when its descriptor gives the route's HTTP method.
func v3Method(escapedPath string) (*entry, bool) {
	d, ok := alipay.V3Lookup(escapedPath)
	if !ok {
		return nil, false
	}
	e, ok := table[d.Name]
	return e, ok
}

// HandleV3 serves the v3 routes for every HTTP method: what the path does
// not name answers 404, the wrong HTTP method 400, both as v3 JSON.
func (g *Gateway) HandleV3(c echo.Context) error {
	cl := g.newCall(c.Request())
	cl.params = Params{} // v3 fills it from headers and the body
	return g.serve(c, v3{}, cl)
}

// v3 is the v3 REST API's wire format: the biz_content as the body, an
// Authorization header, HTTP statuses for errors.
type v3 struct{}

func (v3) authenticate(g *Gateway, cl *call) reply {
	cl.cs, cl.st = sign.UTF8, sign.RSA2
	cl.entry.Params, cl.entry.Charset, cl.entry.SignType = cl.params, string(sign.UTF8), sign.V3Scheme
	return g.checkV3(cl)
}

func (v3) encode(g *Gateway, c echo.Context, cl *call, r reply) error { return g.writeV3(c, cl, r) }

// v3KeyTooSmall says which key, if either, is too small for v3's
// SHA256withRSA (the RSA2 rule, sign.CheckKeyBits).
func v3KeyTooSmall(app, alipay *rsa.PublicKey) string {
	if err := sign.CheckKeyBits(sign.RSA2, app.N.BitLen()); err != nil {
		return "the app's public key cannot verify v3's SHA256withRSA: " + err.Error()
	}
	if err := sign.CheckKeyBits(sign.RSA2, alipay.N.BitLen()); err != nil {
		return "the mock's Alipay private key cannot sign v3's SHA256withRSA answers: " + err.Error()
	}
	return ""
}

// v3Err is a v3 error answer before the method's own.
func v3Err(e *apierr.Error) reply { return reply{err: e} }

// checkV3 does for a v3 request what check does for gateway.do: the route
// and its HTTP method, the body and a GET's query, the Authorization header
// (timestamp, app_id, the app, nonce, sign), the timestamp's age,
// certificate SNs, the signature over authString, HTTP method, request
// URI, body and app_auth_token, content type, the nonce's first use, then
// permission, token, encryption and body.
func (g *Gateway) checkV3(cl *call) reply {
	req := cl.req
	ent, ok := v3Method(req.URL.EscapedPath())
	if !ok {
		return reply{err: apierr.Invalid("isv.invalid-method", "不存在的方法名"), status: http.StatusNotFound}
	}
	method := ent.Name
	cl.method, cl.ent, cl.entry.Method, cl.params["method"] = method, ent, method, method
	if e := g.crossSite(cl, false); e != nil {
		return v3Err(e)
	}
	if req.Method != ent.V3HTTPMethod {
		return v3Err(apierr.Invalid("isv.invalid-http-method", "无效的HTTP方法，本接口只支持"+ent.V3HTTPMethod))
	}
	body, err := readV3Body(req)
	if err != nil {
		return v3Err(g.unreadable(cl, err))
	}
	// A GET's query is its biz_content, read as gateway.do reads its
	// parameters: a bad escape is refused, not dropped.
	var query url.Values
	if req.Method == http.MethodGet {
		if query, err = parseQuery(req.URL.RawQuery); err != nil {
			return v3Err(g.unreadable(cl, err))
		}
	}
	token := strings.TrimSpace(req.Header.Get(sign.HeaderAppAuthToken))
	if body != "" {
		cl.params["biz_content"] = body
	}
	if token != "" {
		cl.params["app_auth_token"] = token
	}

	header := req.Header.Get(sign.HeaderAuthorization)
	auth, authString, sig, perr := sign.ParseV3Authorization(header)
	cl.entry.AppID = auth.AppID
	switch {
	case errors.Is(perr, sign.ErrV3NoAuthorization):
		return reply{err: apierr.Missing("isv.missing-timestamp", "缺少时间戳参数"), bare: true}
	case errors.Is(perr, sign.ErrV3Scheme):
		return v3Err(apierr.Invalid("isv.invalid-signature-type", "无效的签名类型，目前只支持"+sign.V3Scheme))
	case errors.Is(perr, sign.ErrV3MissingTimestamp):
		return v3Err(apierr.Missing("isv.missing-timestamp", "缺少时间戳参数"))
	case errors.Is(perr, sign.ErrV3MissingAppID):
		return v3Err(apierr.Missing("isv.missing-app-id", "缺少appId参数"))
	}
	cl.params["app_id"] = auth.AppID
	app, err := g.Apps.Find(auth.AppID)
	if err != nil {
		return v3Err(g.asAPI(trade.StoreFailed(err)))
	}
	if app == nil {
		return v3Err(apierr.Invalid("isv.invalid-app-id", "无效的AppID参数"))
	}
	cl.app = app
	switch {
	case errors.Is(perr, sign.ErrV3MissingNonce):
		return v3Err(apierr.Invalid("isv.invalid-parameter", "参数无效：Authorization缺少nonce"))
	case errors.Is(perr, sign.ErrV3MissingSignature):
		return v3Err(apierr.Missing("isv.missing-signature", "缺少签名参数"))
	}
	// v3 is SHA256withRSA, RSA2's algorithm, for every app: an RSA app's
	// key, or the mock's Alipay key, under RSA2's size cannot take part.
	if why := v3KeyTooSmall(app.PublicKey, &g.Key.PublicKey); why != "" {
		cl.entry.Explanation = why
		g.Log.Warn("v3 request refused: key too small for SHA256withRSA", "app_id", app.AppID, "method", method, "reason", why)
		return v3Err(apierr.Invalid("isv.invalid-signature-type", "无效的签名类型，"+sign.V3Scheme+"要求RSA密钥的长度至少为2048"))
	}
	ts, terr := auth.Time()
	ttl, eerr := auth.TTL(g.TimestampTolerance)
	if terr != nil || eerr != nil {
		return v3Err(apierr.Invalid("isv.invalid-timestamp", "非法的时间戳参数"))
	}
	if e := g.checkTimestamp(cl, ts, ttl); e != nil {
		return v3Err(e)
	}
	if app.CertSN == "" {
		if e := g.checkCerts(cl); e != nil { // a fund method: certificate mode only
			return v3Err(e)
		}
	} else {
		// app_cert_sn is in the authString; the root SN header is optional
		// in v3 (gopay sends none), so a missing one passes.
		cl.params["app_cert_sn"] = auth.AppCertSN
		root := req.Header.Get(sign.HeaderRootCertSN)
		cl.params["alipay_root_cert_sn"] = root
		if root == "" {
			cl.params["alipay_root_cert_sn"] = g.RootCertSN
		}
		e := g.checkCerts(cl)
		if root == "" {
			delete(cl.params, "alipay_root_cert_sn")
		}
		if e != nil {
			return v3Err(e)
		}
	}
	uri := signedURI(req)
	content := sign.V3RequestContent(authString, req.Method, uri, body, token)
	cl.entry.StringToSign, cl.entry.KeyUsed = content, app.Fingerprint()
	if perr != nil || sign.VerifyV3Request(app.PublicKey, authString, sig, req.Method, uri, body, token) != nil {
		cl.entry.Explanation = g.explainV3(cl, authString, sig, uri, body, token)
		g.Log.Warn("v3 request signature does not verify", "app_id", app.AppID, "method", method,
			"verified_with", app.Fingerprint(), "string_to_sign", sign.V3RequestContent(authString, req.Method, uri, body, redact.Secret(token)), "likely_cause", cl.entry.Explanation)
		return v3Err(apierr.Invalid("isv.invalid-signature",
			"验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为："+content))
	}
	cl.entry.Verified = true
	// The Content-Type is not signed: a request refused for it was never
	// served, so its nonce stays free for the corrected one. text/plain is
	// an encrypted body's type only (the Java v3 SDK's AlipayConfigUtil.
	// encrypt: "加密后Content-Type均为text/plain"; Node's alipay-sdk likewise).
	if ct := req.Header.Get("Content-Type"); ct != "" && body != "" {
		mt, _, err := mime.ParseMediaType(ct)
		plain := mt == "text/plain" && req.Header.Get(sign.HeaderEncryptType) != ""
		if err != nil || (mt != "application/json" && !plain) {
			return v3Err(apierr.Invalid("isv.invalid-content-type", "无效的Content-Type，请使用application/json"))
		}
	}
	// A nonce is unique per request: the same signed request again is a
	// replay.
	if g.v3Nonces.used(app.AppID, auth.Nonce) {
		cl.entry.Explanation = "nonce " + strconv.Quote(auth.Nonce) + " was used already by a request of this app whose signature verified: send a new nonce with each request"
		g.Log.Warn("v3 request nonce used already", "app_id", app.AppID, "method", method, "nonce", auth.Nonce)
		return v3Err(apierr.Invalid("isv.invalid-signature", "验签出错，nonce已被使用过，每个请求须使用新的nonce"))
	}
	if typ := req.Header.Get(sign.HeaderEncryptType); typ != "" {
		cl.params["encrypt_type"] = typ
	}
	// The body is the biz_content: decrypted as gateway.do decrypts it.
	biz, e := g.admit(cl)
	if e != nil {
		return v3Err(e)
	}
	if req.Method == http.MethodGet {
		biz = queryObject(query)
	}
	if b := strings.Trim(biz, jsonSpace); b != "" {
		raw, flat, err := normaliseBiz([]byte(b))
		if err != nil {
			return v3Err(apierr.Invalid("isv.illegal-json", "非法的JSON格式：请求体不是JSON对象"))
		}
		cl.biz, cl.flat = raw, flat
	}
	if n := cl.flatBiz()["notify_url"]; n != "" {
		// v3 carries notify_url in the body.
		if !validURL(n) {
			return v3Err(apierr.Invalid("isv.invalid-parameter", "参数无效：notify_url必须是不超过256个字符的http或https地址"))
		}
		cl.params["notify_url"] = n
	}
	return reply{}
}

// signedURI is the request URI v3 signs: the path and query exactly as
// sent. A target in absolute form ("http://host/v3/…?…", RFC 9112 §3.2.2,
// https://www.rfc-editor.org/rfc/rfc9112#section-3.2.2) loses its scheme
// and authority, as Alipay's v3 string to sign has no host.
func signedURI(req *http.Request) string {
	uri := req.RequestURI
	if uri == "" { // a request built in-process rather than read off the wire
		return req.URL.RequestURI()
	}
	if strings.HasPrefix(uri, "/") {
		return uri
	}
	if _, rest, ok := strings.Cut(uri, "://"); ok {
		// The authority ends at the path's '/' or the query's '?'.
		i := strings.IndexAny(rest, "/?")
		if i < 0 {
			return "/"
		}
		if rest[i] == '?' {
			return "/" + rest[i:]
		}
		return rest[i:]
	}
	return uri
}

// readV3Body reads the body as text, up to MaxBodyBytes.
func readV3Body(r *http.Request) (string, error) {
	if r.Body == nil {
		return "", nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return "", err
	}
	if len(b) > MaxBodyBytes {
		return "", errTooLarge
	}
	return string(b), nil
}

// queryObject is a GET request's query as the JSON object of its fields.
func queryObject(q url.Values) string {
	m := make(map[string]string, len(q))
	for k, vs := range q {
		if len(vs) > 0 {
			m[k] = vs[0]
		}
	}
	b, _ := marshal(m) // strings only: cannot fail
	return string(b)
}

// explainV3 guesses why a v3 signature failed, for the log.
func (g *Gateway) explainV3(cl *call, authString, sig, uri, body, token string) string {
	req, app := cl.req, cl.app
	if sig == "" {
		return "the Authorization header has no ,sign=<signature> after the authString"
	}
	if app.PublicKey.Equal(&g.Key.PublicKey) {
		return "the app is registered with the Alipay public key: register the APP public key (the Alipay public key is the mock's, for verifying responses)"
	}
	if token != "" && sign.VerifyV3Request(app.PublicKey, authString, sig, req.Method, uri, body, "") == nil {
		return "the app_auth_token line was left out of the string to sign; it is signed when the alipay-app-auth-token header is sent"
	}
	if i := strings.IndexByte(uri, '?'); i >= 0 && sign.VerifyV3Request(app.PublicKey, authString, sig, req.Method, uri[:i], body, token) == nil {
		return "the query string was left out of the signed request URI; sign the path with ?query exactly as sent"
	}
	for _, a := range g.Apps.All() {
		if a.AppID != app.AppID && sign.VerifyV3Request(a.PublicKey, authString, sig, req.Method, uri, body, token) == nil {
			return "signed with the private key of app " + a.AppID
		}
	}
	return "the app private key does not match the registered app public key, or the body or URI sent differ from the ones signed (v3 signs SHA256withRSA whatever the app's sign_type)"
}

// v3Body lays out a v3 answer: the method's fields without code, msg,
// sub_code and sub_msg, in encodeNode's order and, unlike v1, with "/"
// unescaped.
func v3Body(fields any, override map[string]string) ([]byte, error) {
	return layout(new(bytes.Buffer), fields, override, nil)
}

// v3Status maps a v1 error to v3's HTTP status and its code in v3
// (apierr.V3Code). Statuses follow production's v3 error-code pages
// (400 for invalid-app-id and missing-timestamp was probed): 400 for
// parameters and business failures, 401 for a bad signature (the pages
// disagree: 400 or 401) and for token and ISV permission errors, 403 for
// other permission errors, 429 for call limits, 500 for unknown outcomes.
func v3Status(e *apierr.Error) (int, string) {
	code := apierr.V3Code(e)
	if apierr.V3Renamed(e) {
		return http.StatusBadRequest, code
	}
	switch e.Code {
	case apierr.CodeUnknown:
		return http.StatusInternalServerError, code
	case apierr.CodeTokenInvalid:
		return http.StatusUnauthorized, code
	case apierr.CodeCallLimited:
		return http.StatusTooManyRequests, code
	case apierr.CodePermission:
		if code == "insufficient-isv-permissions" || code == "self-invoke-forbidden" {
			return http.StatusUnauthorized, code
		}
		return http.StatusForbidden, code
	}
	if code == "invalid-signature" {
		return http.StatusUnauthorized, code
	}
	return http.StatusBadRequest, code
}

// writeV3 sends a method's answer: 200 with the signed body, 202 (also
// signed) for 10003 (the buyer is still confirming), or the v3 error.
func (g *Gateway) writeV3(c echo.Context, cl *call, r reply) error {
	status := http.StatusOK
	if r.err != nil {
		if r.err.Code != apierr.CodeProcessing {
			return g.writeV3Error(c, cl, r)
		}
		status = http.StatusAccepted
	}
	raw, err := v3Body(r.fields, r.override)
	if err != nil {
		return g.writeV3Error(c, cl, v3Err(apierr.SystemBusy()))
	}
	body, ct := raw, "application/json;charset=UTF-8"
	if cl.encrypted {
		// The body becomes the base64 ciphertext; the signature covers it.
		// Exactly "text/plain": the Java v3 SDK parses an answer only when
		// its Content-Type is JSON or equals "text/plain" (ApiClient.deserialize).
		cipher, err := sign.EncryptContent(cl.app.EncryptKey, raw)
		if err != nil {
			return err
		}
		body, ct = []byte(cipher), "text/plain"
	}
	ts, nonce := strconv.FormatInt(cl.now.UnixMilli(), 10), sign.NewNonce()
	sig, err := sign.SignV3Response(g.Key, ts, nonce, string(body))
	if err != nil {
		return err
	}
	if alt, ok := g.durable(cl); ok {
		return g.writeV3(c, cl, alt)
	}
	if r.err != nil {
		cl.entry.Code = r.err.Code
	} else {
		cl.entry.Code = apierr.CodeSuccess
	}
	fault := hold(cl)
	if fault == scenarios.FaultBadSignature {
		// A real signature, over other bytes: it cannot verify.
		sig, _ = sign.SignV3Response(g.Key, ts, nonce, string(body)+" ")
	}
	h := c.Response().Header()
	h.Set(sign.HeaderTimestamp, ts)
	h.Set(sign.HeaderNonce, nonce)
	h.Set(sign.HeaderSignature, sig)
	if cl.app.CertSN != "" {
		h.Set(sign.HeaderSN, g.AlipayCertSN)
	}
	return g.sendV3(c, cl, status, ct, body, string(raw), fault)
}

// writeV3Error sends an error: unsigned JSON {"code","links","message"}.
func (g *Gateway) writeV3Error(c echo.Context, cl *call, f reply) error {
	if alt, ok := g.durable(cl); ok {
		return g.writeV3(c, cl, alt)
	}
	status, e := v3Error(f.err)
	if f.status != 0 {
		status = f.status
	}
	trace := g.IDs.UUIDHex()
	if !f.bare {
		e.Links = []sign.V3Link{{Link: "https://open.alipay.com/api/errCheck?traceId=" + trace + "&source=openapi", Desc: "解决方案"}}
	}
	cl.entry.Code, cl.entry.SubCode = f.err.Code, f.err.SubCode
	body := e.Bytes()
	c.Response().Header().Set(sign.HeaderTraceID, trace)
	return g.sendV3(c, cl, status, "application/json;charset=UTF-8", body, string(body), hold(cl))
}

// v3Error is e in v3's shape: the status and the body, without links.
func v3Error(e *apierr.Error) (int, sign.V3Error) {
	status, code := v3Status(e)
	msg := e.SubMsg
	if msg == "" {
		msg = e.Msg
	}
	return status, sign.V3Error{Code: code, Message: msg}
}

// V3Error is e as v3 answers it outside a call (what the router refuses
// before the pipeline): the status and the body.
func V3Error(e *apierr.Error) (int, []byte) {
	status, body := v3Error(e)
	return status, body.Bytes()
}

// sendV3 writes the answer, or the scenario's broken version of it, and
// completes the journal entry; text is the answer before encryption.
func (g *Gateway) sendV3(c echo.Context, cl *call, status int, ct string, body []byte, text, fault string) error {
	h := c.Response().Header()
	if h.Get(sign.HeaderTraceID) == "" {
		h.Set(sign.HeaderTraceID, g.IDs.UUIDHex())
	}
	cl.entry.Status, cl.entry.Fault, cl.entry.Response = status, fault, text
	return deliver(c, cl, status, ct, body, fault)
}
