// Package gateway answers gateway.do and the v3 REST API as Alipay's
// production gateway does. Every method is one entry of the table
// (table.go); every request goes through one pipeline (pipeline.go):
// parse and authenticate (gateway.do: merged, decoded parameters checked
// in production's order and the app's signature; v3: the Authorization
// header), plan (scenario rule, forced outcome), execute on the domain,
// then encode, sign with the mock's Alipay key and deliver. The two APIs
// differ only in the first and last stages.
package gateway

import (
	"github.com/alipay-mock/alipay-mock/mock/domain"

	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/mock/appauth"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/journal"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/shared"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// Gateway is the gateway.do endpoint.
type Gateway struct {
	shared.Deps
	// TimestampTolerance is how far a request's timestamp may be from the
	// wall clock or from the mock's clock (read as GMT+8); 0 turns the
	// check off. SDKs stamp local time, so a client in UTC is 8 hours
	// "behind"; the default of 24h accepts every zone.
	TimestampTolerance time.Duration
	// PublicURL is the base URL of the mock as browsers reach it, for
	// qr_code values and the cashier; empty means taken from each request.
	PublicURL string
	// AlipayQRCode makes qr_code https://qr.alipay.com/<token>, as in
	// production, instead of the mock's own /qr/ page.
	AlipayQRCode bool
	// Queue holds answers queued through the control API.
	Queue *Queue
	// AllowCrossSite lets a browser call methods that are not page methods
	// from a page on another site (--allow-cross-site-gateway); see
	// crossSite.
	AllowCrossSite bool
	// FundPublicKey accepts fund methods (entry.certOnly) from an app in
	// public-key mode, which production refuses (--fund-public-key).
	FundPublicKey bool
	// Hosts are the mock's own names, which a browser's call of such a
	// method must use (against DNS rebinding): the control API's list.
	Hosts shared.Hosts
	// BillFeeRate is the service fee bills show, in basis points (60 = 0.6%).
	BillFeeRate int64
	// BillsAtPeriodEnd makes a day's or month's bill ready as soon as the
	// period ends, not when production makes it (bill.Period.ReadyAt).
	BillsAtPeriodEnd bool
	// BillMaxBytes bounds the bytes of the bill files kept for their URLs;
	// 0 is DefaultBillMaxBytes.
	BillMaxBytes int64
	// Certificate mode: the mock's Alipay public-key certificate (leaf and
	// intermediate, PEM), its SN, and the SN of the root bundle apps load.
	AlipayCertPEM []byte
	AlipayCertSN  string
	RootCertSN    string

	// LaterBuyer, when set, keeps a simulated buyer's steps in the store
	// (--data; --store, where every replica can run them) and plans them,
	// all or none; an error is the store's (none planned). Unset, the
	// steps go on this process's scheduler.
	LaterBuyer func(steps []BuyerStep) error
	// QueryPays, when set, counts the queries a simulated buyer waits for
	// (pay_after_queries) where every replica counts them (--store).
	QueryPays QueryPays

	queryPays sync.Map // app|out_trade_no → queryPay: the queries left before the buyer pays, and who pays
	sigs      sigCache
	v3Nonces  v3Nonces
	bills     billFiles
}

// call is one gateway request on its way through.
type call struct {
	req    *http.Request
	ec     echo.Context // nil for an order string (OpenOrderString)
	params Params
	cs     sign.Charset
	method string
	// ent is the method's table entry, once the method is known.
	ent *entry
	app *apps.App
	st  sign.Type
	// token is set when the request acts for a merchant (app_auth_token).
	token *appauth.Token
	// openID is set when the merchant's app names users by open id
	// (user_id_type open_id).
	openID bool
	// encrypted is set when biz_content came AES-encrypted: the answer is too.
	encrypted bool
	biz       json.RawMessage
	flat      map[string]string // biz's top-level fields as text, for scenarios
	now       time.Time
	// stamped is the request's timestamp, once checked (checkTimestamp).
	stamped time.Time
	// outcome is the answer forced on this request, if any; made is true
	// once the method ran and succeeded (or is in progress: 10003),
	// whatever the answer says.
	outcome *Outcome
	made    bool
	// queued is the answer the control API queued that the call took
	// (takeQueued), once taken (queueTaken): one without execute before
	// any rule is matched, one with it once the match stood (plan).
	queued     *Outcome
	queueTaken bool
	// none is true when the method succeeded without a trade to touch (a
	// cancel of an unknown trade): as when it fails, its policy is undone.
	none bool
	// before is the notification policy a scenario's replaced (beforeCall),
	// put back if the method fails or finds no trade; hadBefore is whether
	// there was one.
	before    notify.Policy
	hadBefore bool
	// out is the merchant's number of what the call is about, once outNo
	// found it (outKnown).
	out      string
	outKnown bool
	// no is the trade_no (auth_no) of the trade (red packet) the call
	// opened: what a scenario's buyer acts on.
	no string
	// plan is what a scenario rule wants done; misses say why others did not act.
	plan   *scenarios.Plan
	misses []string
	// entry is this request's journal entry, filled on the way.
	entry journal.Entry
	// ack is what must be on disk before the answer leaves (with --data,
	// the change a book made for the call: answered.go); unstored is the
	// answer instead when it could not be stored.
	ack      domain.Ack
	unstored func(*apierr.Error) reply
}

// processing is true when the request is to be answered 10003 with its
// operation left in progress (it completes on a retry, a query, or later).
func (cl *call) processing() bool {
	return cl.outcome != nil && cl.outcome.Execute && cl.outcome.Err.Code == apierr.CodeProcessing
}

// reply is what goes back: the node's fields and error, and how to sign it.
type reply struct {
	node   string
	fields any
	err    *apierr.Error
	signed bool
	// override replaces fields of the answer (a scenario's then.fields).
	override map[string]string
	// status overrides the HTTP status v3Status gives err (404, 400 for
	// the wrong HTTP method); bare leaves out v3's links, as production
	// does for a request without Authorization. v3 only.
	status int
	bare   bool
	// headless leaves code and msg out of a success (entry.headless).
	headless bool
}

// Handle serves gateway.do for GET and POST.
func (g *Gateway) Handle(c echo.Context) error {
	return g.serve(c, v1{}, g.newCall(c.Request()))
}

// v1 is gateway.do's wire format: form parameters signed with the app's
// key in, a signed JSON node out.
type v1 struct{}

// authenticate reads the parameters, then checks them (check).
func (v1) authenticate(g *Gateway, cl *call) reply {
	p, cs, err := readParams(cl.req)
	cl.params, cl.cs, cl.method, cl.ent = p, cs, p["method"], table[p["method"]]
	cl.entry.Method, cl.entry.AppID, cl.entry.Params, cl.entry.Charset, cl.entry.SignType =
		p["method"], p["app_id"], p, string(cs), p["sign_type"]
	if err != nil {
		cl.cs = sign.UTF8
		return reply{node: sign.ErrorNode, err: g.unreadable(cl, err)}
	}
	if e := g.crossSite(cl, true); e != nil {
		node := sign.ErrorNode
		if cl.ent != nil {
			node = cl.ent.node
		}
		return reply{node: node, err: e}
	}
	return g.check(cl)
}

// crossSite refuses a call a browser sent from a page on another site,
// unless the method is a page method, which a merchant's page posts or
// links to by nature, or AllowCrossSite is set: shared.Hosts.BrowserCall
// (a page the browser says is on another site; a page under a Host that is
// none of the mock's names, as after DNS rebinding, where the page could
// read the answers too; a browser's GET that names no page, as on plain
// http under a name other than loopback). This is the mock's own guard,
// not production's: the dev app's private key is public, so without it
// any web page open in the tester's browser could sign and send a refund
// or close of the tester's trades to the mock. SDKs send no Sec-Fetch-Site
// or Origin, nor a browser's User-Agent, and are never refused.
//
// On gateway.do (v1) a GET or HEAD that no browser header marks must also
// be under one of the mock's names (shared.Hosts.UnnamedGET): a rebinding
// page in a browser that lets a script set the User-Agent sends just that,
// and SDKs POST the methods that are not page methods. v3's GET methods
// only read, and SDKs GET them, under any name.
func (g *Gateway) crossSite(cl *call, v1 bool) *apierr.Error {
	if g.AllowCrossSite || (cl.ent != nil && cl.ent.Page) {
		return nil
	}
	r := cl.req
	site, origin := r.Header.Get("Sec-Fetch-Site"), r.Header.Get("Origin")
	var msg string
	switch g.Hosts.BrowserCall(r) {
	case shared.FromAnotherSite:
		msg = CrossSiteSubMsg
	case shared.UnknownHost:
		msg = RebindingSubMsg
	case shared.Unmarked:
		msg = UnmarkedSubMsg
	default:
		if !v1 || !g.Hosts.UnnamedGET(r) {
			return nil
		}
		msg = UnnamedGETSubMsg
	}
	cl.entry.Explanation = "browser request from another site refused (Sec-Fetch-Site: " + orDash(site) + ", Origin: " + orDash(origin) +
		", Host: " + r.Host + ", " + r.Method + "): only page methods take those; --allow-cross-site-gateway allows the others"
	g.Log.Warn("cross-site browser request refused", "method", orDash(cl.method), "origin", orDash(origin),
		"sec_fetch_site", orDash(site), "host", r.Host, "http_method", r.Method)
	return apierr.New(apierr.CodePermission, CrossSiteSubCode, msg)
}

// CrossSiteSubCode and the sub_msgs are the answers of crossSite: the
// mock's own, as production has no such guard.
const (
	CrossSiteSubCode = "isv.cross-site-request-refused"
	RebindingSubMsg  = "跨站请求被拒绝：浏览器经由不属于 alipay-mock 的主机名（Host）发来非页面接口调用，疑为 DNS 重绑定（模拟器自身的防护，生产环境无此限制）；" +
		"如该主机名确指模拟器，请以 --allowed-host 主机名 启动 (alipay-mock refuses calls of non-page methods that a browser sends " +
		"under a Host that is not one of its names, as after DNS rebinding; name the host with --allowed-host, " +
		"or start it with --allow-cross-site-gateway)"
	CrossSiteSubMsg = "跨站请求被拒绝：alipay-mock 不接受其他站点网页中的浏览器发起的非页面接口调用（模拟器自身的防护，生产环境无此限制）；" +
		"如确需从浏览器跨站调用，请以 --allow-cross-site-gateway 启动 (alipay-mock refuses calls of non-page methods " +
		"that a browser sends from another site's page; start it with --allow-cross-site-gateway to allow them)"
	UnnamedGETSubMsg = "请求被拒绝：以 GET 调用非页面接口时，主机名（Host）须为 alipay-mock 自己的名字（防 DNS 重绑定，模拟器自身的防护，生产环境无此限制）；" +
		"请改用 POST，或以 --allowed-host 主机名 启动，或以 --allow-cross-site-gateway 启动 (alipay-mock refuses a GET of a non-page method on " +
		"gateway.do under a Host that is not one of its names, as a rebinding page could send it; send it as POST, name the host with " +
		"--allowed-host, or start it with --allow-cross-site-gateway)"
	UnmarkedSubMsg = "跨站请求被拒绝：浏览器以 GET 发来非页面接口调用，但未表明来自哪个页面（明文 http 且主机名不是本机回环地址时浏览器不发送 Sec-Fetch-Site，GET 不带 Origin），" +
		"可能来自任意网站（模拟器自身的防护，生产环境无此限制）；请改用 POST，或以 --allow-cross-site-gateway 启动 (alipay-mock refuses a browser's GET " +
		"of a non-page method that does not say which page sent it: on plain http under a name other than loopback browsers send no " +
		"Sec-Fetch-Site, and a GET no Origin, so any site's page could have sent it; send it as POST, or start it with --allow-cross-site-gateway)"
)

func (v1) encode(g *Gateway, c echo.Context, cl *call, r reply) error { return g.write(c, cl, r) }

// check validates the common parameters in production's order: method,
// app_id (unsigned answers until the app is known), then charset, method
// name, sign_type, sign, timestamp, version, format, and the signature.
func (g *Gateway) check(cl *call) reply {
	p := cl.params
	if cl.method == "" {
		return reply{node: sign.ErrorNode, err: apierr.Missing("isv.missing-method", "缺少方法名参数")}
	}
	var node string
	if cl.ent != nil { // a table method: its node made once
		node = cl.ent.node
	} else {
		node = sign.ResponseNode(cl.method)
	}
	if p["app_id"] == "" {
		return reply{node: node, err: apierr.Missing("isv.missing-app-id", "缺少appId参数")}
	}
	app, err := g.Apps.Find(p["app_id"])
	if err != nil {
		return reply{node: node, err: g.asAPI(trade.StoreFailed(err))}
	}
	if app == nil {
		return reply{node: node, err: apierr.Invalid("isv.invalid-app-id", "无效的AppID参数")}
	}
	cl.app, cl.st = app, app.SignType
	fail := func(e *apierr.Error) reply { return reply{node: node, err: e, signed: true} }
	if cl.cs == "" {
		cl.cs = sign.UTF8
		return fail(apierr.Invalid("isv.invalid-charset", "请求参数charset错误，目前支持格式：GBK,UTF-8"))
	}
	if cl.ent == nil {
		return fail(apierr.Invalid("isv.invalid-method", "不存在的方法名"))
	}
	if p["sign_type"] == "" {
		return fail(apierr.Missing("isv.missing-signature-type", "缺少签名类型参数"))
	}
	st, err := sign.ParseType(p["sign_type"])
	if err != nil {
		return fail(apierr.Invalid("isv.invalid-signature-type", "无效的签名类型"))
	}
	if p["sign"] == "" {
		return fail(apierr.Missing("isv.missing-signature", "缺少签名参数"))
	}
	if p["timestamp"] == "" {
		return fail(apierr.Missing("isv.missing-timestamp", "缺少时间戳参数"))
	}
	ts, err := timestamp.Parse(p["timestamp"])
	if err != nil {
		return fail(apierr.Invalid("isv.invalid-timestamp", "非法的时间戳参数"))
	}
	if e := g.checkTimestamp(cl, ts, g.TimestampTolerance); e != nil {
		return fail(e)
	}
	if p["version"] == "" {
		return fail(apierr.Missing("isv.missing-version", "缺少版本参数"))
	}
	if f := p["format"]; f != "" && !strings.EqualFold(f, "json") {
		return fail(apierr.Invalid("isv.invalid-format", "无效的数据格式"))
	}
	if st != app.SignType {
		g.Log.Warn("request sign_type does not match the app's key type",
			"app_id", app.AppID, "sign_type", st, "app_sign_type", app.SignType)
		return reply{node: node, signed: true, err: apierr.New(apierr.CodeConditions, "isv.missing-signature-config", "验签出错, 未配置对应签名算法的公钥或者证书")}
	}
	if e := g.checkCerts(cl); e != nil {
		return fail(e)
	}
	content := sign.RequestContent(p)
	cl.entry.StringToSign, cl.entry.KeyUsed = content, app.Fingerprint()
	if err := sign.VerifyString(app.PublicKey, st, cl.cs, content, p["sign"]); err != nil {
		cl.entry.Explanation = g.explain(cl, content)
		g.Log.Warn("request signature does not verify", "app_id", app.AppID, "method", cl.method,
			"sign_type", st, "charset", cl.cs, "verified_with", app.Fingerprint(),
			"string_to_sign", content, "likely_cause", cl.entry.Explanation)
		return fail(apierr.Invalid("isv.invalid-signature",
			"验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为："+htmlEscape.Replace(content)))
	}
	cl.entry.Verified = true
	for _, k := range []string{"notify_url", "return_url"} {
		if v := p[k]; v != "" && !validURL(v) {
			return fail(apierr.Invalid("isv.invalid-parameter", "参数无效："+k+"必须是不超过256个字符的http或https地址"))
		}
	}
	biz, e := g.admit(cl)
	if e != nil {
		return fail(e)
	}
	if len(cl.ent.params) > 0 {
		cl.biz, cl.flat = paramsBiz(p, cl.ent.params)
		return reply{node: node, signed: true}
	}
	if b := strings.Trim(biz, jsonSpace); b != "" {
		raw, flat, err := normaliseBiz([]byte(b))
		if err != nil {
			return fail(apierr.Invalid("isv.invalid-parameter", "参数无效：biz_content不是合法的JSON对象"))
		}
		cl.biz, cl.flat = raw, flat
	}
	return reply{node: node, signed: true}
}

// paramsBiz is what a method that takes request parameters reads on
// gateway.do: those parameters (keys), as the JSON its handler decodes and
// the fields scenarios match. Its biz_content is ignored, as production
// ignores it (yansongda/pay#527).
func paramsBiz(p Params, keys []string) (json.RawMessage, map[string]string) {
	flat := make(map[string]string, len(keys))
	for _, k := range keys {
		if v := p[k]; v != "" {
			flat[k] = v
		}
	}
	raw, _ := json.Marshal(flat) // a map of strings always encodes
	return raw, flat
}

// htmlEscape escapes as production's sub_msg does (&quot;, not Go's &#34;).
var htmlEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

// validURL is what production accepts as notify_url and return_url.
func validURL(s string) bool { return notify.ValidURL(s) }

// checkTimestamp judges a request's time as production does, against the
// real time of the caller's world, and also against the mock's clock (for
// clients that stamp with it). past is how old it may be; the future bound
// is the tolerance. What missed, and by how much, goes to the journal and
// the log.
func (g *Gateway) checkTimestamp(cl *call, at time.Time, past time.Duration) *apierr.Error {
	cl.stamped = at
	if g.TimestampTolerance <= 0 {
		return nil
	}
	sk := timestamp.Skew{At: at, Wall: g.Clock.Wall(), Mock: cl.now, Past: past, Future: g.TimestampTolerance}
	if sk.Accepted() {
		return nil
	}
	cl.entry.Explanation = "timestamp " + sk.String() + " (--timestamp-tolerance)"
	g.Log.Warn("request timestamp is far from both the wall clock and the mock's clock",
		"app_id", cl.app.AppID, "method", cl.method, "timestamp", timestamp.Format(at), "detail", sk.String())
	return apierr.Invalid("isv.invalid-timestamp", "非法的时间戳参数")
}

// write signs the node (when the app is known) and sends the body with
// production's headers. HTTP status is 200 for every answer.
func (g *Gateway) write(c echo.Context, cl *call, r reply) error {
	ab := answers.Get().(*answerBufs)
	ab.node.Reset()
	var raw []byte
	var err error
	if r.headless {
		raw, err = layout(&ab.node, r.fields, r.override, nil)
		raw = escapeSlash(raw)
	} else {
		raw, err = encodeNode(&ab.node, r.fields, r.override, r.err)
	}
	if err != nil {
		ab.node.Reset()
		raw, _ = encodeNode(&ab.node, nil, nil, apierr.SystemBusy())
	}
	cs := cl.cs
	if cs == "" {
		cs = sign.UTF8
	}
	text := string(raw)
	body := raw // UTF-8: the bytes as they are
	if cs != sign.UTF8 {
		if body, err = cs.Encode(text); err != nil { // text the charset cannot hold: answer in UTF-8
			cs, body = sign.UTF8, raw
		}
	}
	if cl.encrypted {
		// The node becomes the ciphertext as a JSON string; the signature
		// covers that string with its quotes.
		cipher, err := sign.EncryptContent(cl.app.EncryptKey, body)
		if err != nil {
			return err
		}
		body = sign.EncryptedNode(cipher)
	}
	var sig string
	if r.signed && cl.app != nil {
		// Signed with the algorithm of the app's key, which is what its
		// SDK is configured to verify.
		if sig, err = g.sigs.sign(g.Key, cl.app.SignType, body); err != nil {
			return err
		}
	}
	if alt, ok := g.durable(cl); ok {
		return g.write(c, cl, alt)
	}
	fault := hold(cl)
	if fault == scenarios.FaultBadSignature && sig != "" {
		// A real signature, over other bytes: it cannot verify.
		sig, _ = sign.Sign(g.Key, cl.app.SignType, append(body, ' '))
	}
	certSN := ""
	if sig != "" && cl.app.CertSN != "" {
		certSN = g.AlipayCertSN
	}
	out := sign.AppendEnvelope(ab.body[:0], r.node, body, sig, certSN)
	if r.err != nil {
		cl.entry.Code, cl.entry.SubCode = r.err.Code, r.err.SubCode
	} else {
		cl.entry.Code = apierr.CodeSuccess
	}
	cl.entry.Status, cl.entry.Fault, cl.entry.Response = http.StatusOK, fault, text
	c.Response().Header()[traceID] = []string{g.IDs.UUIDHex()}
	err = deliver(c, cl, http.StatusOK, htmlType(cs), out, fault)
	if ab.node.Cap() <= 64<<10 && cap(out) <= 64<<10 { // written (a Writer keeps none of it): the next answer's
		ab.body = out[:0]
		answers.Put(ab)
	}
	return err
}

// answerBufs are the buffers an answer is laid out in, its node and then
// the whole body, reused once it is written.
type answerBufs struct {
	node bytes.Buffer
	body []byte
}

var answers = sync.Pool{New: func() any { return new(answerBufs) }}

// traceID is the header production names trace_id, as Header.Set writes it.
const traceID = "Trace_id"

// htmlType is the Content-Type of an answer in cs: the two charsets a
// request can name made once, not per answer.
func htmlType(cs sign.Charset) string {
	switch cs {
	case sign.UTF8:
		return "text/html;charset=utf-8"
	case sign.GBK:
		return "text/html;charset=GBK"
	}
	return "text/html;charset=" + string(cs)
}

// deliver sends an answer, or the scenario's broken version of it (fault:
// drop, empty, truncate, bad_gateway), and notes in the journal entry what
// actually went out.
func deliver(c echo.Context, cl *call, status int, ct string, body []byte, fault string) error {
	switch fault {
	case scenarios.FaultDrop:
		cl.entry.Status, cl.entry.Response = 0, ""
		if hj, ok := c.Response().Writer.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				return conn.Close()
			}
		}
		panic(http.ErrAbortHandler) // no hijacking: abort the response instead
	case scenarios.FaultEmpty:
		cl.entry.Response = ""
		return c.Blob(status, ct, nil)
	case scenarios.FaultTruncate:
		body = body[:len(body)/2]
		cl.entry.Response = string(body)
	case scenarios.FaultBadGateway:
		cl.entry.Status, cl.entry.Response = http.StatusBadGateway, badGateway
		return c.HTML(http.StatusBadGateway, badGateway)
	}
	return c.Blob(status, ct, body)
}

// badGateway is what Alipay's fronting proxy (Tengine) answers when the
// gateway behind it is down.
const badGateway = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n"

// explain guesses why a signature failed, for the log: the mistakes people
// make most, each checked rather than listed.
func (g *Gateway) explain(cl *call, content string) string {
	p, sig := cl.params, cl.params["sign"]
	alipayPub := &g.Key.PublicKey
	if cl.app.PublicKey.Equal(alipayPub) {
		return "the app is registered with the Alipay public key: register the APP public key (the Alipay public key is the mock's, for verifying responses)"
	}
	other := sign.RSA
	if cl.st == sign.RSA {
		other = sign.RSA2
	}
	if sign.VerifyString(cl.app.PublicKey, other, cl.cs, content, sig) == nil {
		return fmt.Sprintf("signed with %s but sign_type says %s", other, cl.st)
	}
	alt := sign.UTF8
	if cl.cs == sign.UTF8 {
		alt = sign.GBK
	}
	if sign.VerifyString(cl.app.PublicKey, cl.st, alt, content, sig) == nil {
		return fmt.Sprintf("signed over %s bytes but charset says %s", alt, cl.cs)
	}
	if sign.VerifyString(cl.app.PublicKey, cl.st, cl.cs, sign.NotifyContent(p), sig) == nil {
		return "sign_type was left out of the string to sign; requests include it (only notifications leave it out)"
	}
	for _, a := range g.Apps.All() {
		if a.AppID != cl.app.AppID && sign.VerifyString(a.PublicKey, cl.st, cl.cs, content, sig) == nil {
			return "signed with the private key of app " + a.AppID
		}
	}
	return "the app private key does not match the registered app public key (check the pair, PKCS#1 vs PKCS#8 export, and that every parameter sent was signed unchanged)"
}

// normaliseBiz rewrites biz_content so that typed structs decode it, which
// is then the one time it is decoded: members that are null or "" are
// dropped (empty counts as absent; array elements stay) and numbers become
// strings (PHP sends out_trade_no as a number). Amount fields read their
// text either way, so nothing passes through float64. It also returns the
// top-level members as text, for scenarios: strings unquoted, numbers and
// booleans as written, objects and arrays as their rewritten JSON. The
// rewrite copies the bytes of valid JSON without decoding them.
func normaliseBiz(b []byte) (json.RawMessage, map[string]string, error) {
	b = bytes.Trim(b, jsonSpace)
	if len(b) == 0 || b[0] != '{' || !json.Valid(b) { // json.Valid: one value only
		return nil, nil, errors.New("biz_content is not one JSON object")
	}
	sc := bizScanner{b: b}
	var out bytes.Buffer
	out.Grow(len(b) + 16)
	flat := map[string]string{}
	sc.object(&out, func(key []byte, start int, v []byte) {
		var text string
		if v != nil {
			text = unquote(v)
		} else {
			text = string(out.Bytes()[start:])
		}
		flat[fieldName(key)] = text
	})
	return out.Bytes(), flat, nil
}

// fieldName is the text of a quoted biz_content key: one of the table's
// own field names (no allocation) when it is one, as it almost always is.
func fieldName(key []byte) string {
	if len(key) >= 2 {
		if name, ok := bizFields[string(key[1:len(key)-1])]; ok {
			return name
		}
	}
	return unquote(key)
}

// bizFields are the JSON names of every method's biz_content fields.
var bizFields = func() map[string]string {
	m := map[string]string{}
	for _, e := range table {
		for _, f := range jsonFields(e.biz) {
			m[f] = f
		}
	}
	return m
}()

// jsonSpace is JSON's whitespace (RFC 8259 §2); \f, \v and Unicode
// spaces around biz_content make it not JSON, as they do for Go's decoder.
const jsonSpace = " \t\n\r"

// bizScanner walks JSON already known to be valid.
type bizScanner struct {
	b []byte
	i int
}

func (s *bizScanner) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// str returns the string at i, quotes and escapes included.
func (s *bizScanner) str() []byte {
	start := s.i
	for s.i++; s.b[s.i] != '"'; s.i++ {
		if s.b[s.i] == '\\' {
			s.i++
		}
	}
	s.i++
	return s.b[start:s.i]
}

// object copies the object at i to w without its null and "" members;
// member, when set, is told of each member written: its key, where its
// value starts in w, and a scalar's text (nil for objects and arrays).
func (s *bizScanner) object(w *bytes.Buffer, member func(key []byte, start int, text []byte)) {
	w.WriteByte('{')
	s.i++
	n := 0
	for {
		s.ws()
		if s.b[s.i] == '}' {
			s.i++
			break
		}
		if s.b[s.i] == ',' {
			s.i++
			s.ws()
		}
		key := s.str()
		s.ws()
		s.i++ // the colon
		s.ws()
		switch {
		case s.b[s.i] == 'n': // null
			s.i += 4
			continue
		case s.b[s.i] == '"' && s.b[s.i+1] == '"': // ""
			s.i += 2
			continue
		}
		if n++; n > 1 {
			w.WriteByte(',')
		}
		w.Write(key)
		w.WriteByte(':')
		start := w.Len()
		text := s.value(w)
		if member != nil {
			member(key, start, text)
		}
	}
	w.WriteByte('}')
}

// value copies the value at i to w, numbers as strings and objects without
// their null and "" members, and returns a scalar's text (a string's still
// quoted).
func (s *bizScanner) value(w *bytes.Buffer) []byte {
	start := s.i
	switch c := s.b[s.i]; {
	case c == '"':
		v := s.str()
		w.Write(v)
		return v
	case c == '{':
		s.object(w, nil)
	case c == '[':
		w.WriteByte('[')
		s.i++
		for n := 0; ; n++ {
			s.ws()
			if s.b[s.i] == ']' {
				s.i++
				break
			}
			if s.b[s.i] == ',' {
				s.i++
				s.ws()
			}
			if n > 0 {
				w.WriteByte(',')
			}
			s.value(w)
		}
		w.WriteByte(']')
	case c == 't' || c == 'f' || c == 'n':
		for s.i < len(s.b) && s.b[s.i] >= 'a' && s.b[s.i] <= 'z' {
			s.i++
		}
		w.Write(s.b[start:s.i])
		return s.b[start:s.i]
	default: // a number
		for s.i < len(s.b) && strings.IndexByte("+-.0123456789eE", s.b[s.i]) >= 0 {
			s.i++
		}
		w.WriteByte('"')
		w.Write(s.b[start:s.i])
		w.WriteByte('"')
		return s.b[start:s.i]
	}
	return nil
}

// unquote is the text of a JSON string (or a literal's as it is).
func unquote(v []byte) string {
	if len(v) < 2 || v[0] != '"' {
		return string(v)
	}
	if inner := v[1 : len(v)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner)
	}
	var s string
	_ = json.Unmarshal(v, &s) // valid JSON: cannot fail
	return s
}
