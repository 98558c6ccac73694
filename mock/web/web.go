// Package web serves the pages a buyer sees: the cashier that page, wap and
// app pay land on, and the page behind a precreate qr_code. Both let a
// person (or a browser test) pay, fail or give up, and the cashier sends the
// browser back to return_url with signed parameters, as production does.
package web

import (
	"crypto/rsa"
	"embed"
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/alipay-mock/alipay-mock/client/timestamp"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/client/sign"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"time": timestamp.Format,
}).ParseFS(templateFS, "templates/*.html"))

// Pages are the buyer-facing pages.
type Pages struct {
	Apps   *apps.Registry
	Trades *trade.Book
	Key    *rsa.PrivateKey
	Clock  clock.Clock
}

// Register adds the pages' routes.
func (p *Pages) Register(e *echo.Echo) {
	e.GET("/cashier/:trade_no", p.cashier)
	e.POST("/cashier/:trade_no", p.cashierAct)
	e.GET("/qr/:token", p.qr)
	e.POST("/qr/:token", p.qrAct)
}

type view struct {
	Trade   trade.Trade
	AppName string
	Kind    string // "cashier" or "qr"
	Action  string
	Message string
}

func (p *Pages) render(c echo.Context, status int, name string, v view) error {
	if a, ok := p.Apps.Get(v.Trade.AppID); ok {
		v.AppName = a.Name
	}
	var b strings.Builder
	if err := pages.ExecuteTemplate(&b, name, v); err != nil {
		return err
	}
	return c.HTML(status, b.String())
}

func (p *Pages) notFound(c echo.Context) error {
	return p.render(c, http.StatusNotFound, "missing.html", view{Message: "订单不存在或已失效"})
}

func (p *Pages) cashier(c echo.Context) error {
	t, err := p.Trades.Get("", c.Param("trade_no"))
	if err != nil {
		return p.notFound(c)
	}
	return p.render(c, http.StatusOK, "order.html", view{Trade: t, Kind: "cashier", Action: "/cashier/" + t.TradeNo})
}

func (p *Pages) qr(c echo.Context) error {
	t, err := p.Trades.Get("", c.Param("token"))
	if err != nil {
		return p.notFound(c)
	}
	return p.render(c, http.StatusOK, "order.html", view{Trade: t, Kind: "qr", Action: "/qr/" + c.Param("token")})
}

func buyerFrom(c echo.Context) *fixtures.Buyer {
	id, logon := strings.TrimSpace(c.FormValue("buyer_id")), strings.TrimSpace(c.FormValue("buyer_logon_id"))
	if id == "" && logon == "" {
		return nil
	}
	return &fixtures.Buyer{UserID: id, LogonID: logon}
}

func (p *Pages) qrAct(c echo.Context) error {
	token := c.Param("token")
	act := trade.BuyerAction(c.FormValue("action"))
	t, err := p.Trades.Act("", token, act, buyerFrom(c))
	if errors.Is(err, trade.ErrNotFound) {
		return p.notFound(c)
	}
	msg := map[trade.BuyerAction]string{trade.ActScan: "已扫码", trade.ActPay: "支付成功", trade.ActFail: "支付失败", trade.ActClose: "已取消"}[act]
	if err != nil {
		msg = err.Error()
	}
	return p.render(c, http.StatusOK, "order.html", view{Trade: t, Kind: "qr", Action: "/qr/" + token, Message: msg})
}

func (p *Pages) cashierAct(c echo.Context) error {
	act := trade.BuyerAction(c.FormValue("action"))
	t, err := p.Trades.Act("", c.Param("trade_no"), act, buyerFrom(c))
	if errors.Is(err, trade.ErrNotFound) {
		return p.notFound(c)
	}
	if err != nil {
		return p.render(c, http.StatusOK, "order.html", view{Trade: t, Kind: "cashier", Action: "/cashier/" + t.TradeNo, Message: err.Error()})
	}
	switch {
	case act == trade.ActPay && t.ReturnURL != "":
		u, err := p.ReturnURL(t)
		if err != nil {
			return err
		}
		return c.Redirect(http.StatusFound, u)
	case act == trade.ActClose && t.ReturnURL != "":
		return c.Redirect(http.StatusFound, t.ReturnURL)
	}
	msg := map[trade.BuyerAction]string{trade.ActPay: "支付成功", trade.ActFail: "支付失败", trade.ActClose: "已取消"}[act]
	return p.render(c, http.StatusOK, "order.html", view{Trade: t, Kind: "cashier", Action: "/cashier/" + t.TradeNo, Message: msg})
}

// ReturnURL is where the cashier sends the browser after payment: the
// trade's return_url with production's synchronous-return parameters,
// signed like a notification.
func (p *Pages) ReturnURL(t trade.Trade) (string, error) {
	cs, err := sign.ParseCharset(t.Charset)
	if err != nil {
		cs = sign.UTF8
	}
	st, err := sign.ParseType(t.SignType)
	if err != nil {
		st = sign.RSA2
	}
	params := map[string]string{
		"charset":      string(cs),
		"out_trade_no": t.OutTradeNo,
		"method":       t.Method + ".return",
		"total_amount": t.Total.String(),
		"trade_no":     t.TradeNo,
		"auth_app_id":  t.AppID,
		"version":      "1.0",
		"app_id":       t.AppID,
		"seller_id":    t.Seller.UserID,
		"timestamp":    timestamp.Format(p.Clock.Now()),
	}
	if err := sign.SignNotify(params, p.Key, st, cs); err != nil {
		return "", err
	}
	q, err := sign.EncodeForm(params, cs)
	if err != nil {
		return "", err
	}
	sep := "?"
	if strings.Contains(t.ReturnURL, "?") {
		sep = "&"
	}
	return t.ReturnURL + sep + q, nil
}
