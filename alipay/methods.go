package alipay

import (
	"net/http"
	"strings"
)

// Method is what the protocol says about one Open Platform method: its
// name, whether it has a v3 (REST) route and how that route is called,
// and whether it is a page method (opened by a browser or the Alipay app,
// answered with the cashier instead of a JSON node).
type Method struct {
	Name string
	// V3HTTPMethod is the HTTP method of its v3 route; "" means the method
	// has no v3 route (page, wap and app pay, red packets).
	V3HTTPMethod string
	// Page is set for methods opened by a browser or the Alipay app.
	Page bool
	// ProductCode is the product_code a page method takes (and defaults to).
	ProductCode string
	// NotifyInBody is set when the v3 body carries notify_url (v1 sends it
	// as a common parameter).
	NotifyInBody bool
}

// V3Prefix is where the v3 routes live.
const V3Prefix = "/v3/"

// V3Path is the method's v3 path (/v3/ and the name with "/" for "."), or
// "" when it has none.
func (m Method) V3Path() string {
	if m.V3HTTPMethod == "" {
		return ""
	}
	return V3Prefix + strings.ReplaceAll(m.Name, ".", "/")
}

// methods is every method the mock implements and the client can call.
var methods = []Method{
	{Name: "alipay.trade.precreate", V3HTTPMethod: http.MethodPost, NotifyInBody: true},
	{Name: "alipay.trade.pay", V3HTTPMethod: http.MethodPost, NotifyInBody: true},
	{Name: "alipay.trade.create", V3HTTPMethod: http.MethodPost, NotifyInBody: true},
	{Name: "alipay.trade.query", V3HTTPMethod: http.MethodPost},
	{Name: "alipay.trade.cancel", V3HTTPMethod: http.MethodPost},
	{Name: "alipay.trade.close", V3HTTPMethod: http.MethodPost},
	{Name: "alipay.trade.refund", V3HTTPMethod: http.MethodPost},
	{Name: "alipay.trade.fastpay.refund.query", V3HTTPMethod: http.MethodPost},
	{Name: "alipay.trade.orderinfo.sync", V3HTTPMethod: http.MethodPost},
	{Name: "alipay.trade.royalty.relation.bind", V3HTTPMethod: http.MethodPost},
	{Name: "alipay.trade.royalty.relation.unbind", V3HTTPMethod: http.MethodPost},
	{Name: "alipay.trade.royalty.relation.batchquery", V3HTTPMethod: http.MethodPost},
	{Name: "alipay.trade.order.settle", V3HTTPMethod: http.MethodPost},
	{Name: "alipay.trade.order.settle.query", V3HTTPMethod: http.MethodGet},
	{Name: "alipay.trade.page.pay", Page: true, ProductCode: "FAST_INSTANT_TRADE_PAY"},
	{Name: "alipay.trade.wap.pay", Page: true, ProductCode: "QUICK_WAP_WAY"},
	{Name: "alipay.trade.app.pay", Page: true, ProductCode: "QUICK_MSECURITY_PAY"},
	{Name: "alipay.fund.coupon.order.app.pay", Page: true},
	{Name: "alipay.fund.coupon.order.page.pay", Page: true},
	{Name: "alipay.fund.coupon.order.agreement.pay"},
	{Name: "alipay.fund.coupon.order.disburse"},
	{Name: "alipay.fund.coupon.order.refund"},
	{Name: "alipay.fund.coupon.operation.query"},
	{Name: "alipay.open.auth.token.app", V3HTTPMethod: http.MethodPost},
	{Name: "alipay.open.auth.token.app.query", V3HTTPMethod: http.MethodGet},
	{Name: "alipay.data.dataservice.bill.downloadurl.query", V3HTTPMethod: http.MethodGet},
	{Name: "alipay.open.app.alipaycert.download"},
	// Transfers: v3 routes as Alipay's v3 SDKs list them (AlipayFundTransUniApi,
	// AlipayFundTransCommonApi, AlipayFundAccountApi).
	{Name: "alipay.fund.trans.uni.transfer", V3HTTPMethod: http.MethodPost},
	{Name: "alipay.fund.trans.common.query", V3HTTPMethod: http.MethodGet},
	{Name: "alipay.fund.account.query", V3HTTPMethod: http.MethodGet},
	// Sign-in with Alipay (用户授权). oauth.token's v3 route is in the v3
	// method list (POST /v3/alipay/system/oauth/token, grant_type and code
	// in the body); user.info.share has none here: how v3 carries
	// auth_token is unconfirmed (docs/sign-in.md).
	{Name: "alipay.system.oauth.token", V3HTTPMethod: http.MethodPost},
	{Name: "alipay.user.info.share"},
}

var byName = func() map[string]Method {
	m := make(map[string]Method, len(methods))
	for _, x := range methods {
		m[x.Name] = x
	}
	return m
}()

// Methods lists every method, in a fixed order.
func Methods() []Method { return append([]Method(nil), methods...) }

// Names lists every method's name, in the same order.
func Names() []string {
	out := make([]string, len(methods))
	for i, m := range methods {
		out[i] = m.Name
	}
	return out
}

// Lookup finds a method by name.
func Lookup(name string) (Method, bool) {
	m, ok := byName[name]
	return m, ok
}

// V3Lookup finds the method a v3 path names (escaped, as sent); a path
// with "." or "%" in it names none.
func V3Lookup(escapedPath string) (Method, bool) {
	rest, found := strings.CutPrefix(escapedPath, V3Prefix)
	if !found || rest == "" || strings.ContainsAny(rest, ".%") {
		return Method{}, false
	}
	m, ok := byName[strings.ReplaceAll(rest, "/", ".")]
	if !ok || m.V3HTTPMethod == "" {
		return Method{}, false
	}
	return m, true
}
