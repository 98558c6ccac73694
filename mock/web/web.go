// Package web serves the pages a buyer sees: the cashier that page, wap and
// app pay land on, and the page behind a precreate qr_code. Both let a
// person (or a browser test) pay, fail or give up, and the cashier sends the
// browser back to return_url with signed parameters, as production does.
package web

import (
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/skip2/go-qrcode"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/shared"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"time": timestamp.Format,
}).ParseFS(templateFS, "templates/*.html"))

// Pages are the buyer-facing pages.
type Pages struct {
	shared.Deps
	// PublicURL is the mock's base URL as browsers reach it; empty means
	// taken from each request.
	PublicURL string
	// AlipayQRCode: the QR image carries https://qr.alipay.com/<token>,
	// the trade's qr_code.
	AlipayQRCode bool
}

// Register adds the pages' routes. Each finds its trade or red packet by
// the secret token in its URL only, never by out_trade_no or trade_no:
// the pages answer anyone, and whoever holds the URL may pay.
func (p *Pages) Register(cashier, qr *echo.Group) {
	cashier.GET("/:token", p.cashier)
	cashier.POST("/:token", p.cashierAct)
	cashier.GET("/coupon/:token", p.couponCashier)
	cashier.POST("/coupon/:token", p.couponAct)
	qr.GET("/:token", p.qr)
	qr.POST("/:token", p.qrAct)
}

// The buyer pages' prefixes: the cashier (page, wap and app pay, red
// packets) and the page behind a precreate qr_code.
const (
	CashierPrefix = "/cashier"
	QRPrefix      = "/qr"
)

// view is what the order page shows, for a trade or a red packet.
type view struct {
	Kind     string // "cashier", "qr" or "coupon"
	QRImage  string // the PNG of the QR code, on the QR page (relative, as Action)
	Title    string
	Amount   string
	AppID    string
	AppName  string
	OutNo    string // out_trade_no or out_order_no
	AlipayNo string // trade_no or auth_no
	Status   string
	Buyer    string
	Open     bool // the buyer can still act
	// LoggedIn: on the cashier, a buyer has logged in (or scanned), so the
	// trade exists for the merchant; before, the page offers to log in.
	LoggedIn bool
	// Wap: the cashier is wap pay's, whose cancel button quits to quit_url.
	Wap bool
	// Action is where the form posts: the page's own token, relative, so
	// it holds under a --public-url path and at qr.alipay.com/bax0….
	Action  string
	Message string
	// AppResult is, for a paid app pay trade or red packet, the result
	// the Alipay app hands back (JSON), for the merchant's app to forward.
	AppResult string
}

// withAppResult adds the app pay result of a paid app pay trade.
func (p *Pages) withAppResult(v view, t trade.Trade) view {
	if r, err := notify.TradeAppResult(t, p.Key); err == nil {
		v.AppResult = appResultJSON(r)
	}
	return v
}

// withCouponAppResult adds the app pay result of a paid app pay red packet.
func (p *Pages) withCouponAppResult(v view, o coupon.Order) view {
	if r, err := notify.CouponAppResult(o, p.Key); err == nil {
		v.AppResult = appResultJSON(r)
	}
	return v
}

func appResultJSON(r notify.AppResult) string {
	b, _ := json.MarshalIndent(r, "", "  ")
	return string(b)
}

func tradeView(t trade.Trade, kind, action, msg string) view {
	v := view{Kind: kind, Title: t.Subject, Amount: t.Total.String(), AppID: t.AppID, OutNo: t.OutTradeNo,
		AlipayNo: t.TradeNo, Status: string(t.Status), Open: t.Status == trade.WaitBuyerPay, Action: action, Message: msg}
	if t.Buyer.LogonID != "" {
		v.Buyer = t.Buyer.LogonID + " (" + t.Buyer.UserID + ")"
	}
	return v
}

func couponView(o coupon.Order, msg string) view {
	v := view{Kind: "coupon", Title: o.Title, Amount: o.Amount.String(), AppID: o.AppID, OutNo: o.OutOrderNo,
		AlipayNo: o.AuthNo, Status: string(o.Status), Open: o.Status == coupon.OrderInit,
		Action: o.CashierToken, Message: msg}
	if o.Payer.LogonID != "" {
		v.Buyer = o.Payer.LogonID + " (" + o.Payer.UserID + ")"
	}
	return v
}

func (p *Pages) render(c echo.Context, status int, name string, v view) error {
	if a, ok := p.Apps.Get(v.AppID); ok {
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

// MethodNotAllowed is the page of a buyer page asked with an HTTP method
// it does not take (the router sets Allow).
func (p *Pages) MethodNotAllowed(c echo.Context) error {
	return p.render(c, http.StatusMethodNotAllowed, "missing.html", view{Message: msgMethod})
}

// Missing is the page of a path under the pages' prefixes that names no
// page (/qr/, /cashier/, /oauth2/): the page of an order that does not exist.
func (p *Pages) Missing(c echo.Context) error { return p.notFound(c) }

// Fail answers an error the pages' surface met before or after a handler
// (a body over the bound, a panic) as the pages answer their own: a page
// with the status, not the control API's JSON.
func (p *Pages) Fail(c echo.Context, status int, err error) error {
	msg := msgBad
	switch {
	case status == http.StatusNotFound:
		return p.notFound(c)
	case status == http.StatusMethodNotAllowed:
		msg = msgMethod
	case status == http.StatusRequestEntityTooLarge:
		msg = msgTooLarge
	case status >= 500:
		p.Log.Error("buyer page failed", "path", c.Request().URL.Path, "err", err)
		msg = msgFailed
	}
	return p.render(c, status, "missing.html", view{Message: msg})
}

// The pages of what the surface refuses or fails at.
const (
	msgTooLarge = "请求内容过大"
	msgBad      = "请求无效"
	msgFailed   = "系统异常，请稍后再试"
)

// msgMethod is the page of a method a buyer page does not take.
const msgMethod = "不支持该请求方式"

// msgBusy is the page of a store failure (Alipay's 20000 text).
const msgBusy = "系统繁忙，请稍后再试"

// lookupFailed is the page of a trade or red packet a page could not
// find: 404 only when there is none; the store's failure is 503, not a
// verdict on the order (its text stays in the log, off a public page).
func (p *Pages) lookupFailed(c echo.Context, err error) error {
	if errors.Is(err, trade.ErrNotFound) || errors.Is(err, coupon.ErrNotFound) {
		return p.notFound(c)
	}
	p.Log.Error("buyer page: the store failed", "path", c.Request().URL.Path, "err", err)
	return p.unavailable(c)
}

// qrExpired is what a buyer scanning a dead QR code sees (trade.QRLife).
func (p *Pages) qrExpired(c echo.Context) error {
	return p.render(c, http.StatusGone, "missing.html", view{Message: "二维码已失效"})
}

func (p *Pages) unavailable(c echo.Context) error {
	return p.render(c, http.StatusServiceUnavailable, "missing.html", view{Message: msgBusy})
}

func (p *Pages) cashier(c echo.Context) error {
	t, err := p.Trades.OnPage(trade.PageCashier, c.Param("token"))
	if err != nil {
		return p.lookupFailed(c, err)
	}
	return p.render(c, http.StatusOK, "order.html", p.withAppResult(p.cashierView(t, ""), t))
}

func (p *Pages) qr(c echo.Context) error {
	if token, ok := strings.CutSuffix(c.Param("token"), ".png"); ok {
		return p.qrPNG(c, token)
	}
	t, err := p.Trades.OnPage(trade.PageQR, c.Param("token"))
	if errors.Is(err, trade.ErrQRCodeExpired) {
		return p.qrExpired(c)
	}
	if err != nil {
		return p.lookupFailed(c, err)
	}
	v := tradeView(t, "qr", c.Param("token"), "")
	v.QRImage = c.Param("token") + ".png"
	return p.render(c, http.StatusOK, "order.html", v)
}

// qrPNG draws the QR code of a precreate trade: the qr_code URL, for
// merchant pages and terminals to show.
func (p *Pages) qrPNG(c echo.Context, token string) error {
	// A dead QR code still draws: the merchant's screen shows it, the
	// buyer's scan fails.
	if _, err := p.Trades.OnPage(trade.PageQR, token); err != nil && !errors.Is(err, trade.ErrQRCodeExpired) {
		return p.lookupFailed(c, err)
	}
	size := 256
	if s, err := strconv.Atoi(c.QueryParam("size")); err == nil && s >= 64 && s <= 1024 {
		size = s
	}
	png, err := qrcode.Encode(shared.QRCode(p.AlipayQRCode, p.PublicURL, c, token), qrcode.Medium, size)
	if err != nil { // the URL is made from the Host header: one too long for a QR code
		return c.String(http.StatusBadRequest, "the QR code's URL is too long to draw (its host comes from the Host header, or --public-url)")
	}
	return c.Blob(http.StatusOK, "image/png", png)
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
	t, err := p.Trades.ActOnPage(trade.PageQR, token, act, buyerFrom(c))
	if errors.Is(err, trade.ErrNotFound) || errors.Is(err, trade.ErrStore) {
		return p.lookupFailed(c, err) // not the page of an empty trade
	}
	if errors.Is(err, trade.ErrQRCodeExpired) {
		return p.qrExpired(c)
	}
	msg := map[trade.BuyerAction]string{trade.ActScan: "已扫码", trade.ActPay: "支付成功", trade.ActFail: "支付失败", trade.ActClose: "已取消"}[act]
	if err != nil {
		msg = err.Error()
	}
	v := tradeView(t, "qr", token, msg)
	v.QRImage = token + ".png"
	return p.render(c, http.StatusOK, "order.html", v)
}

// returns are the methods whose cashier sends the browser to return_url
// after payment: page and wap pay. App pay's result goes to the merchant's
// app, and it ignores return_url (inferred: "当面付和APP支付不支持return_url参数";
// docs/differences.md).
var returns = map[string]bool{
	"alipay.trade.page.pay":             true,
	"alipay.trade.wap.pay":              true,
	"alipay.fund.coupon.order.page.pay": true,
}

// The cashier's messages after an action.
const (
	msgLoggedIn = "已登录"
	msgQuit     = "已退出"
)

func (p *Pages) cashierAct(c echo.Context) error {
	token := c.Param("token")
	act := trade.BuyerAction(c.FormValue("action"))
	if act == trade.ActClose {
		t, err := p.Trades.OnPage(trade.PageCashier, token)
		if err != nil {
			return p.lookupFailed(c, err)
		}
		if t.Method == "alipay.trade.wap.pay" {
			return p.wapQuit(c, t)
		}
	}
	t, err := p.Trades.ActOnPage(trade.PageCashier, token, act, buyerFrom(c))
	if errors.Is(err, trade.ErrNotFound) || errors.Is(err, trade.ErrStore) {
		return p.lookupFailed(c, err) // not the page of an empty trade
	}
	if err != nil {
		return p.render(c, http.StatusOK, "order.html", p.cashierView(t, err.Error()))
	}
	if act == trade.ActPay && t.ReturnURL != "" && returns[t.Method] {
		u, err := p.ReturnURL(t)
		if err != nil {
			return err
		}
		return c.Redirect(http.StatusFound, u)
	}
	// Cancelling stays here: Alipay sends the browser to return_url only
	// signed, after payment.
	msg := map[trade.BuyerAction]string{trade.ActScan: msgLoggedIn, trade.ActPay: "支付成功", trade.ActFail: "支付失败", trade.ActClose: "已取消"}[act]
	return p.render(c, http.StatusOK, "order.html", p.withAppResult(p.cashierView(t, msg), t))
}

// wapQuit is the H5 cashier's quit button: the buyer goes to the order's
// quit_url, unsigned, or with none stays here. The trade is left as it is,
// to time out (inferred: production does not say quitting closes it).
func (p *Pages) wapQuit(c echo.Context, t trade.Trade) error {
	if t.QuitURL != "" {
		return c.Redirect(http.StatusFound, t.QuitURL)
	}
	return p.render(c, http.StatusOK, "order.html", p.cashierView(t, msgQuit))
}

// cashierView is the cashier page of a trade.
func (p *Pages) cashierView(t trade.Trade, msg string) view {
	v := tradeView(t, "cashier", t.CashierToken, msg)
	v.LoggedIn = t.Scanned
	v.Wap = t.Method == "alipay.trade.wap.pay"
	return v
}

func (p *Pages) couponCashier(c echo.Context) error {
	o, err := p.Coupons.OnPage(c.Param("token"))
	if err != nil {
		return p.lookupFailed(c, err)
	}
	return p.render(c, http.StatusOK, "order.html", p.withCouponAppResult(couponView(o, ""), o))
}

// couponAct is the sender paying a red packet (or giving up) in the cashier.
func (p *Pages) couponAct(c echo.Context) error {
	token := c.Param("token")
	var o coupon.Order
	var err error
	act := trade.BuyerAction(c.FormValue("action"))
	switch act {
	case trade.ActPay:
		o, err = p.Coupons.SenderPayOnPage(token, buyerFrom(c))
	case trade.ActClose:
		o, err = p.Coupons.SenderCloseOnPage(token)
	default:
		o, err = p.Coupons.OnPage(token)
	}
	if errors.Is(err, coupon.ErrNotFound) || errors.Is(err, trade.ErrStore) {
		return p.lookupFailed(c, err) // not the page of an empty red packet
	}
	if err != nil {
		return p.render(c, http.StatusOK, "order.html", couponView(o, err.Error()))
	}
	if act == trade.ActPay && o.ReturnURL != "" && returns[o.Method] {
		u, err := p.couponReturnURL(o)
		if err != nil {
			return err
		}
		return c.Redirect(http.StatusFound, u)
	}
	// Cancelling stays here, as on the trade cashier.
	msg := map[trade.BuyerAction]string{trade.ActPay: "支付成功", trade.ActClose: "已取消"}[act]
	return p.render(c, http.StatusOK, "order.html", p.withCouponAppResult(couponView(o, msg), o))
}

// ReturnURL is where the cashier sends the browser after payment: the
// trade's return_url with production's synchronous-return parameters,
// signed like a notification. app_id is the app that called (an ISV's own,
// with app_auth_token) and auth_app_id the merchant's, as in notifications.
func (p *Pages) ReturnURL(t trade.Trade) (string, error) {
	app := t.AppID
	if t.ISVAppID != "" {
		app = t.ISVAppID
	}
	ps := map[string]string{
		"out_trade_no": t.OutTradeNo,
		"method":       t.Method + ".return",
		"total_amount": t.Total.String(),
		"trade_no":     t.TradeNo,
		"auth_app_id":  t.AppID,
		"app_id":       app,
		"seller_id":    t.Seller.UserID,
	}
	// merchant_order_no only when the order had one: the page and wap pay
	// response classes list it (inferred: no public return shows it).
	if t.MerchantOrderNo != "" {
		ps["merchant_order_no"] = t.MerchantOrderNo
	}
	return p.signedReturn(t.ReturnURL, t.Charset, t.SignType, ps)
}

// couponReturnURL is ReturnURL for a red packet paid in the cashier.
func (p *Pages) couponReturnURL(o coupon.Order) (string, error) {
	op := o.Operations[0]
	var trans string // every field of AlipayFundCouponOrderPagePayResponse
	if op.Trans != nil {
		trans = timestamp.Format(*op.Trans)
	}
	return p.signedReturn(o.ReturnURL, o.Charset, o.SignType, map[string]string{
		"gmt_trans":      trans,
		"method":         o.Method + ".return",
		"out_order_no":   o.OutOrderNo,
		"out_request_no": op.OutRequestNo,
		"auth_no":        o.AuthNo,
		"operation_id":   op.OperationID,
		"amount":         op.Amount.String(),
		"status":         string(op.Status),
		"auth_app_id":    o.AppID,
		"app_id":         o.AppID,
	})
}

func (p *Pages) signedReturn(base string, cs sign.Charset, st sign.Type, params map[string]string) (string, error) {
	params["version"] = "1.0"
	params["timestamp"] = timestamp.Format(p.Clock.Now())
	f, err := notify.SignForm(params, p.Key, cs, st)
	if err != nil {
		return "", err
	}
	q, err := f.Encode()
	if err != nil {
		return "", err
	}
	return notify.AppendQuery(base, q), nil
}
