package gateway

import (
	"html"
	"html/template"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// cashier handles page, wap and app pay arriving at gateway.do, as the
// browser's form post or GET: the trade opens and the browser goes on to
// the mock's cashier page, where the buyer pays or gives up. A scenario's
// then.notify is set before the trade or red packet opens, as for any
// gateway call (dispatch), and undone when it does not open. A forced
// answer (the header, a scenario's respond, a queued answer) is shown on
// the error page instead, after the trade opened when it says execute,
// whatever the open returned but the store's failure (as dispatch answers it).
func (g *Gateway) cashier(c echo.Context, cl *call) error {
	out, e := g.outcome(cl)
	if e != nil {
		return g.pageError(c, cl, e)
	}
	if out != nil && !out.Execute {
		return g.pageError(c, cl, g.forced(cl, out.Err, nil).err) // nothing opens
	}
	redirect := func(path string) error {
		if out != nil {
			return g.pageError(c, cl, g.forced(cl, out.Err, nil).err)
		}
		cl.entry.Status = http.StatusFound
		return c.Redirect(http.StatusFound, g.publicURL(cl)+path)
	}
	failed := func(e *apierr.Error) error { // the open's error; the store's failure stays the answer
		if out != nil && !storeFailed(e) {
			e = g.forced(cl, out.Err, nil).err
		}
		return g.pageError(c, cl, e)
	}
	if cl.ent.family == familyCoupon {
		var r coupon.PayRequest
		if e := decode(cl, &r); e != nil {
			return failed(e)
		}
		if e := g.beforeCall(cl); e != nil {
			return g.pageError(c, cl, e)
		}
		o, e := g.payCoupon(cl, r)
		if e != nil {
			return failed(e)
		}
		if e := g.afterCall(cl, reply{}); e != nil {
			return g.pageError(c, cl, e)
		}
		return redirect("/cashier/coupon/" + o.CashierToken)
	}
	var o trade.Order
	if e := decode(cl, &o); e != nil {
		return failed(e)
	}
	want := cl.ent.ProductCode
	if o.ProductCode == "" {
		o.ProductCode = want
	}
	if o.ProductCode != want {
		return failed(trade.InvalidParameter("product_code必须为" + want))
	}
	if cl.method == "alipay.trade.wap.pay" && o.QuitURL != "" && !validURL(o.QuitURL) {
		// Checked as return_url is (inferred: production's answer to a bad
		// quit_url is not documented).
		return failed(trade.InvalidParameter("quit_url必须是不超过256个字符的http或https地址"))
	}
	if e := g.beforeCall(cl); e != nil {
		return g.pageError(c, cl, e)
	}
	t, err := g.Trades.Cashier(cl.merchant(), o, cl.context(), cl.method)
	if err != nil {
		g.failedCall(cl)
		return failed(g.asAPI(err))
	}
	cl.no = t.TradeNo
	if e := g.afterCall(cl, reply{}); e != nil {
		return g.pageError(c, cl, e)
	}
	return redirect("/cashier/" + t.CashierToken)
}

var errorPage = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>支付宝 - 网上支付 安全快速！</title></head>
<body><h1>错误</h1>
<p>错误代码 {{.Code}}</p>
<p>错误原因: {{.Reason}}</p>
<p><small>alipay-mock: {{.Method}}, app_id {{.AppID}}</small></p>
</body></html>`))

// pageError renders an error the way the cashier does: an HTML page that
// names the error code (the sub_code without its "isv." prefix) and reason.
func (g *Gateway) pageError(c echo.Context, cl *call, e *apierr.Error) error {
	cl.entry.Code, cl.entry.SubCode, cl.entry.Status = e.Code, e.SubCode, http.StatusOK
	code := e.SubCode
	if code == "" {
		code = e.Code
	}
	code = strings.TrimPrefix(strings.TrimPrefix(code, "isv."), "aop.")
	reason := e.SubMsg
	if e.SubCode == "isv.invalid-signature" {
		// This sub_msg carries the string to sign HTML-escaped, as
		// production's does; the template escapes it, so it is unescaped
		// here to be escaped exactly once.
		reason = html.UnescapeString(reason)
	}
	var b strings.Builder
	_ = errorPage.Execute(&b, map[string]string{"Code": code, "Reason": reason, "Method": cl.method, "AppID": cl.params["app_id"]})
	return c.HTML(http.StatusOK, b.String())
}

// payCoupon opens the red packet of an app or page pay request, the
// scenario's then.notify set first (beforeCall; undone when it does not
// open).
func (g *Gateway) payCoupon(cl *call, r coupon.PayRequest) (coupon.Order, *apierr.Error) {
	res, err := g.Coupons.Pay(cl.merchant(), r, cl.context(), cl.method, false)
	if err != nil {
		g.failedCall(cl)
		return coupon.Order{}, g.asAPI(err)
	}
	cl.no = res.Order.AuthNo
	return res.Order, nil
}

// Opened is what an app pay order string opened: a trade or a red packet.
// Forced marks an error that is a forced answer (a scenario's respond, a
// queued answer), after the open when it said execute, whatever the open
// returned but the store's failure (20000), which stays the answer.
type Opened struct {
	Trade  *trade.Trade
	Coupon *coupon.Order
	Forced bool
}

// OpenOrderString takes the order string of alipay.trade.app.pay or
// alipay.fund.coupon.order.app.pay (what the Alipay app receives from the
// merchant's app), checks it exactly as the gateway checks a request, and
// opens its trade or red packet. The control API uses it to stand in for
// the Alipay app.
func (g *Gateway) OpenOrderString(orderString string) (o Opened, e *apierr.Error) {
	p, cs, err := readOrderString(orderString)
	if err != nil {
		return Opened{}, apierr.Invalid("isv.invalid-parameter", "参数无效：无法解析订单串")
	}
	cl := &call{params: p, cs: cs, method: p["method"], ent: table[p["method"]], now: g.Clock.Now()}
	if r := g.check(cl); r.err != nil {
		return Opened{}, r.err
	}
	if !appPayMethod(cl.method) { // before the plan: another method's rule or queued answer stays its own
		return Opened{}, notAppPay()
	}
	if e := g.plan(cl); e != nil {
		return Opened{}, e
	}
	out, oe := g.outcome(cl)
	if oe != nil {
		return Opened{}, oe
	}
	if out != nil && !out.Execute {
		return Opened{Forced: true}, g.forced(cl, out.Err, nil).err // nothing opens
	}
	own := false   // e is the open's: a forced answer stands in for it, as in dispatch
	defer func() { // after the buyer's plan: what the open returned, answered as forced, but the store's failure
		if out != nil && own && !storeFailed(e) {
			o.Forced, e = true, g.forced(cl, out.Err, nil).err
		}
	}()
	defer func() { // a buyer only for what opened
		if ae := g.afterCall(cl, reply{err: e}); ae != nil && e == nil {
			e, own = ae, false
		}
	}()
	switch cl.method {
	case "alipay.trade.app.pay":
		var o trade.Order
		if e := decode(cl, &o); e != nil {
			own = true
			return Opened{}, e
		}
		if e := g.beforeCall(cl); e != nil {
			return Opened{}, e
		}
		own = true
		t, err := g.Trades.Cashier(cl.merchant(), o, cl.context(), cl.method)
		if err != nil {
			g.failedCall(cl)
			return Opened{}, g.asAPI(err)
		}
		cl.no = t.TradeNo
		return Opened{Trade: &t}, nil
	case "alipay.fund.coupon.order.app.pay":
		var r coupon.PayRequest
		if e := decode(cl, &r); e != nil {
			own = true
			return Opened{}, e
		}
		if e := g.beforeCall(cl); e != nil {
			return Opened{}, e
		}
		own = true
		o, e := g.payCoupon(cl, r)
		if e != nil {
			return Opened{}, e
		}
		return Opened{Coupon: &o}, nil
	}
	return Opened{}, notAppPay()
}

// readOrderString reads an order string's parameters.
func readOrderString(s string) (Params, sign.Charset, error) {
	return queryParams(strings.TrimPrefix(strings.TrimSpace(s), "?"))
}

// OrderStringMethod is the method an order string names ("" when it
// cannot be read), for what must be checked before it opens anything.
func OrderStringMethod(orderString string) string {
	p, _, err := readOrderString(orderString)
	if err != nil {
		return ""
	}
	return p["method"]
}

// notAppPay refuses an order string of a method that is not an app pay.
func notAppPay() *apierr.Error {
	return apierr.Invalid("isv.invalid-method", "订单串的method必须为alipay.trade.app.pay或alipay.fund.coupon.order.app.pay")
}

// appPayMethod reports whether an order string's method is an app pay.
func appPayMethod(m string) bool {
	return m == "alipay.trade.app.pay" || m == "alipay.fund.coupon.order.app.pay"
}
