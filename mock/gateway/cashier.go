package gateway

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/client/apierr"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// cashier handles page, wap and app pay arriving at gateway.do, as the
// browser's form post or GET: the trade opens and the browser goes on to
// the mock's cashier page, where the buyer pays or gives up.
func (g *Gateway) cashier(c echo.Context, cl *call) error {
	var o trade.Order
	if e := decode(cl, &o); e != nil {
		return g.pageError(c, cl, e)
	}
	want := map[string]string{
		"alipay.trade.page.pay": "FAST_INSTANT_TRADE_PAY",
		"alipay.trade.wap.pay":  "QUICK_WAP_WAY",
		"alipay.trade.app.pay":  "QUICK_MSECURITY_PAY",
	}[cl.method]
	if o.ProductCode == "" {
		o.ProductCode = want
	}
	if o.ProductCode != want {
		return g.pageError(c, cl, trade.InvalidParameter("product_code必须为"+want))
	}
	t, err := g.Trades.Cashier(cl.merchant(), o, cl.context(), cl.method)
	if err != nil {
		return g.pageError(c, cl, g.asAPI(err))
	}
	return c.Redirect(http.StatusFound, g.publicURL(cl)+"/cashier/"+t.TradeNo)
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
	code := e.SubCode
	if code == "" {
		code = e.Code
	}
	code = strings.TrimPrefix(strings.TrimPrefix(code, "isv."), "aop.")
	var b strings.Builder
	_ = errorPage.Execute(&b, map[string]string{"Code": code, "Reason": e.SubMsg, "Method": cl.method, "AppID": cl.params["app_id"]})
	return c.HTML(http.StatusOK, b.String())
}

// OpenOrderString takes the order string of alipay.trade.app.pay (what the
// Alipay app receives from the merchant's app), checks it exactly as the
// gateway checks a request, and opens its trade. The control API uses it
// to stand in for the Alipay app.
func (g *Gateway) OpenOrderString(orderString string) (trade.Trade, *apierr.Error) {
	req, _ := http.NewRequest(http.MethodGet, "/gateway.do?"+strings.TrimPrefix(strings.TrimSpace(orderString), "?"), nil)
	p, cs, err := readParams(req)
	if err != nil {
		return trade.Trade{}, apierr.Invalid("isv.invalid-parameter", "参数无效：无法解析订单串")
	}
	cl := &call{req: req, params: p, cs: cs, method: p["method"], now: g.Clock.Now()}
	if r := g.check(cl); r.err != nil {
		return trade.Trade{}, r.err
	}
	if cl.method != "alipay.trade.app.pay" {
		return trade.Trade{}, apierr.Invalid("isv.invalid-method", "订单串的method必须为alipay.trade.app.pay")
	}
	var o trade.Order
	if e := decode(cl, &o); e != nil {
		return trade.Trade{}, e
	}
	t, err := g.Trades.Cashier(cl.merchant(), o, cl.context(), cl.method)
	return t, g.asAPI(err)
}
