package gateway

import (
	"reflect"
	"sort"
	"strings"

	"github.com/alipay-mock/alipay-mock/alipay"
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// entry is one gateway method: the protocol's facts about it
// (alipay.Method) and the mock's. Adding a method is one entry here, its
// descriptor in alipay/methods.go, one domain function and its tests;
// TestTable fails when an entry lacks a fact.
type entry struct {
	alipay.Method
	handler
	// about is what a request is about: the key of its notification
	// policy and simulated buyer.
	about about
	// family is whose error conventions its answers follow.
	family family
	// failure is the fields the method's failures carry (what production
	// echoes of the request), the forced ones too; nil: the family's.
	failure func(cl *call, e *apierr.Error) any
	// opens is set when a request opens something a buyer (or red-packet
	// sender) can act on: a scenario's then.buyer needs it.
	opens bool
	// params are the request parameters the method reads on gateway.do
	// instead of biz_content, which it ignores there (paramsBiz):
	// scenarios match them like biz_content's fields. v3 reads the body.
	params []string
	// errorNode is set when the method's errors, the gateway's own checks
	// too, are answered in error_response instead of its own node
	// (alipay.system.oauth.token).
	errorNode bool
	// headless is set when its success node carries no code and msg, as
	// captured answers of alipay.system.oauth.token show.
	headless bool
	// certOnly is set when production takes the method only from an app in
	// certificate mode (fund methods): a public-key app is answered 40002
	// isv.missing-app-cert-sn (checkCerts), unless FundPublicKey.
	certOnly bool
	// node is sign.ResponseNode(Name), made once rather than per request.
	node string
}

// shape puts an answer in the method's own form: errors in
// error_response, a success without code and msg (gateway.do only; v3
// bodies have neither).
func (e *entry) shape(r reply) reply {
	switch {
	case r.err != nil && e.errorNode && r.err.Code != apierr.CodeProcessing:
		r.node, r.fields = sign.ErrorNode, nil
	case r.err == nil && e.headless:
		r.headless = true
	}
	return r
}

// handler is a method's biz_content struct and what answers it.
type handler struct {
	// biz is the biz_content struct: its JSON fields are what scenarios
	// may match (when.biz).
	biz reflect.Type
	// handle decodes biz_content into biz and answers; nil for page
	// methods, which the cashier opens.
	handle func(g *Gateway, cl *call) (any, *apierr.Error)
}

// handle is the handler of f, which takes biz_content decoded into T.
func handle[T any](f func(g *Gateway, cl *call, in T) (any, *apierr.Error)) handler {
	return handler{biz: reflect.TypeFor[T](), handle: func(g *Gateway, cl *call) (any, *apierr.Error) {
		var in T
		if e := decode(cl, &in); e != nil {
			return nil, e
		}
		return f(g, cl, in)
	}}
}

// page is the handler of a page method taking biz_content T.
func page[T any]() handler { return handler{biz: reflect.TypeFor[T]()} }

// about says which field of biz_content names what a request acts on.
type about int

const (
	_           about = iota
	aboutTrade        // out_trade_no, or the trade trade_no names
	aboutCoupon       // out_order_no, the red packet
	aboutNone         // nothing a notification or buyer is keyed by
	// aboutTransfer is a transfer: out_biz_no, or the order order_id names.
	aboutTransfer
)

// family is whose error conventions a method follows.
type family int

const (
	_ family = iota
	// familyTrade (and the open platform's methods) answer
	// ACQ.INVALID_PARAMETER "参数无效：…" for a bad biz_content.
	familyTrade
	// familyCoupon answers INVALID_PARAMETER "参数有误：…" and adds
	// display_message to 40004s (docs/red-packets.md).
	familyCoupon
	// familyFund (transfers, account queries) answers INVALID_PARAMETER
	// "参数有误：…" and un-prefixed sub_codes, without display_message.
	familyFund
	// familyBill (the bill download) answers isv.invalid_arguments
	// 入参不合法 to every bad argument, a field of the wrong type too;
	// otherwise it answers as familyTrade.
	familyBill
)

// invalid is the family's error for a biz_content field it cannot read.
func (f family) invalid(detail string) *apierr.Error {
	switch f {
	case familyCoupon:
		return coupon.InvalidParameter(detail)
	case familyFund:
		return fund.InvalidParameter(detail)
	case familyBill:
		return errBillArguments
	}
	return trade.InvalidParameter(detail)
}

// table is every gateway method, by name.
var table = func() map[string]*entry {
	list := []entry{
		{Method: m("alipay.trade.precreate"), handler: handle((*Gateway).precreate), about: aboutTrade, family: familyTrade, opens: true},
		{Method: m("alipay.trade.pay"), handler: handle((*Gateway).pay), about: aboutTrade, family: familyTrade, opens: true},
		{Method: m("alipay.trade.create"), handler: handle((*Gateway).create), about: aboutTrade, family: familyTrade, opens: true},
		{Method: m("alipay.trade.query"), handler: handle((*Gateway).query), about: aboutTrade, family: familyTrade, failure: queryFailure},
		{Method: m("alipay.trade.cancel"), handler: handle((*Gateway).cancel), about: aboutTrade, family: familyTrade, failure: cancelFailure},
		{Method: m("alipay.trade.close"), handler: handle((*Gateway).close), about: aboutTrade, family: familyTrade},
		{Method: m("alipay.trade.refund"), handler: handle((*Gateway).refund), about: aboutTrade, family: familyTrade, failure: refundFailure},
		{Method: m("alipay.trade.fastpay.refund.query"), handler: handle((*Gateway).refundQuery), about: aboutTrade, family: familyTrade},
		{Method: m("alipay.trade.orderinfo.sync"), handler: handle((*Gateway).orderInfoSync), about: aboutTrade, family: familyTrade},
		{Method: m("alipay.trade.royalty.relation.bind"), handler: handle((*Gateway).royaltyBind), about: aboutNone, family: familyTrade},
		{Method: m("alipay.trade.royalty.relation.unbind"), handler: handle((*Gateway).royaltyUnbind), about: aboutNone, family: familyTrade},
		{Method: m("alipay.trade.royalty.relation.batchquery"), handler: handle((*Gateway).royaltyQuery), about: aboutNone, family: familyTrade},
		{Method: m("alipay.trade.order.settle"), handler: handle((*Gateway).orderSettle), about: aboutTrade, family: familyTrade},
		{Method: m("alipay.trade.order.settle.query"), handler: handle((*Gateway).settleQuery), about: aboutTrade, family: familyTrade},
		{Method: m("alipay.trade.page.pay"), handler: page[trade.Order](), about: aboutTrade, family: familyTrade, opens: true},
		{Method: m("alipay.trade.wap.pay"), handler: page[trade.Order](), about: aboutTrade, family: familyTrade, opens: true},
		{Method: m("alipay.trade.app.pay"), handler: page[trade.Order](), about: aboutTrade, family: familyTrade, opens: true},
		{Method: m("alipay.fund.coupon.order.app.pay"), handler: page[coupon.PayRequest](), about: aboutCoupon, family: familyCoupon, opens: true, certOnly: true},
		{Method: m("alipay.fund.coupon.order.page.pay"), handler: page[coupon.PayRequest](), about: aboutCoupon, family: familyCoupon, opens: true, certOnly: true},
		{Method: m("alipay.fund.coupon.order.agreement.pay"), handler: handle((*Gateway).couponAgreementPay), about: aboutCoupon, family: familyCoupon, certOnly: true},
		{Method: m("alipay.fund.coupon.order.disburse"), handler: handle((*Gateway).couponDisburse), about: aboutCoupon, family: familyCoupon, certOnly: true},
		{Method: m("alipay.fund.coupon.order.refund"), handler: handle((*Gateway).couponRefund), about: aboutCoupon, family: familyCoupon, certOnly: true},
		{Method: m("alipay.fund.coupon.operation.query"), handler: handle((*Gateway).couponQuery), about: aboutCoupon, family: familyCoupon, certOnly: true},
		{Method: m("alipay.open.auth.token.app"), handler: handle((*Gateway).authToken), about: aboutNone, family: familyTrade},
		{Method: m("alipay.open.auth.token.app.query"), handler: handle((*Gateway).authTokenQuery), about: aboutNone, family: familyTrade},
		{Method: m("alipay.data.dataservice.bill.downloadurl.query"), handler: handle((*Gateway).billURL), about: aboutNone, family: familyBill},
		{Method: m("alipay.open.app.alipaycert.download"), handler: handle((*Gateway).alipayCert), about: aboutNone, family: familyTrade},
		{Method: m("alipay.fund.trans.uni.transfer"), handler: handle((*Gateway).transfer), about: aboutTransfer, family: familyFund, certOnly: true},
		{Method: m("alipay.fund.trans.common.query"), handler: handle((*Gateway).transferQuery), about: aboutTransfer, family: familyFund, certOnly: true},
		{Method: m("alipay.fund.account.query"), handler: handle((*Gateway).accountQuery), about: aboutNone, family: familyFund, certOnly: true},
		{Method: m("alipay.system.oauth.token"), handler: handle((*Gateway).oauthToken), about: aboutNone, family: familyTrade,
			params: []string{"grant_type", "code", "refresh_token"}, errorNode: true, headless: true},
		{Method: m("alipay.user.info.share"), handler: handle((*Gateway).userInfoShare), about: aboutNone, family: familyTrade,
			params: []string{"auth_token"}},
	}
	out := make(map[string]*entry, len(list))
	for i := range list {
		list[i].node = sign.ResponseNode(list[i].Name)
		out[list[i].Name] = &list[i]
	}
	return out
}()

// m is the protocol's descriptor of a method; the table test fails on a
// name alipay/methods.go does not list.
func m(name string) alipay.Method {
	d, _ := alipay.Lookup(name)
	d.Name = name
	return d
}

// Catalogue is what scenarios may match on each method: the fields of
// its biz_content and whether it opens something a buyer can act on.
func Catalogue() scenarios.Catalogue {
	c := make(scenarios.Catalogue, len(table))
	for name, e := range table {
		c[name] = scenarios.MethodInfo{Fields: jsonFields(e.biz), Opens: e.opens, Page: e.Page}
	}
	return c
}

// jsonFields are the JSON names of a struct's fields, embedded structs'
// included.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
