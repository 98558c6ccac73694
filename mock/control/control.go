// Package control is the mock's control API under /_mock/: health, keys,
// apps, reset, trades and the simulated buyer. JSON in and out.
package control

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/shared"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// Prefix is the reserved path prefix of the control API.
const Prefix = "/_mock"

// API is the control API.
type API struct {
	shared.Deps
	Version string
	// Faults are the gateway's queued answers.
	Faults *gateway.Queue
	// AlipayCert and RootCert are what certificate-mode apps load.
	AlipayCert, RootCert []byte
	// StoreErr is the last failed write to the data directory, if any.
	StoreErr func() error
	// Methods are the gateway's methods and what rules may match on
	// them, for checking scenario files.
	Methods scenarios.Catalogue
	// OpenOrderString opens the trade or red packet of an app pay order string.
	OpenOrderString func(string) (gateway.Opened, *apierr.Error)
	// WaitingBuyers counts the scenario buyers waiting for queries in
	// memory.
	WaitingBuyers func() int
	// BillFiles reports the bill files kept for their download URLs.
	BillFiles func() gateway.BillStats
}

// Register adds the routes to g, the group at Prefix.
func (a *API) Register(g *echo.Group) {
	g.GET("/openapi.json", a.openAPI)
	g.GET("/health", a.health)
	g.GET("/memory", a.memory)
	g.GET("/alipay-public-key", a.publicKey)
	g.GET("/alipay-cert", func(c echo.Context) error { return c.Blob(http.StatusOK, "application/x-pem-file", a.AlipayCert) })
	g.GET("/alipay-root-cert", func(c echo.Context) error { return c.Blob(http.StatusOK, "application/x-pem-file", a.RootCert) })
	g.GET("/apps", a.listApps)
	g.POST("/apps", a.addApp)
	g.POST("/reset", a.reset)
	g.GET("/apps/:app_id/balance", a.getBalance)
	g.POST("/apps/:app_id/balance", a.setBalance)
	g.GET("/transfers", a.listTransfers)
	g.GET("/transfers/:ref", a.getTransfer)
	g.GET("/trades", a.listTrades)
	g.GET("/trades/:ref", a.getTrade)
	g.POST("/trades/:ref/:action", a.act)
	g.GET("/trades/:ref/app-pay-result", a.tradeAppResult)
	g.POST("/app-pay", a.appPay)
	g.POST("/app-auth-codes", a.authorise)
	g.GET("/app-auth-tokens", a.listTokens)
	g.POST("/user-auth-codes", a.grantUser)
	g.GET("/red-packets", a.listCoupons)
	g.GET("/red-packets/:ref", a.getCoupon)
	g.POST("/red-packets/:ref/:action", a.couponAct)
	g.GET("/red-packets/:ref/app-pay-result", a.couponAppResult)
	g.GET("/faults", a.listFaults)
	g.POST("/faults", a.addFault)
	g.DELETE("/faults", a.clearFaults)
	g.GET("/scenarios", a.listScenarios)
	g.PUT("/scenarios", a.putScenario)
	g.POST("/scenarios", a.addScenario)
	g.DELETE("/scenarios", a.clearScenarios)
	g.GET("/journal", a.listJournal)
	g.GET("/journal/:id", a.getJournal)
	g.DELETE("/journal", a.clearJournal)
	g.GET("/clock", a.getClock)
	g.POST("/clock", a.setClock)
	g.POST("/clock/advance", a.advance)
	g.GET("/notifications", a.listNotifications)
	g.DELETE("/notifications", a.clearNotifications)
	g.GET("/notifications/:id", a.getNotification)
	g.POST("/notifications/:id/resend", a.resend)
	g.GET("/audit", a.auditProbes)
	g.POST("/audit", a.runAudit)
}

// appPay stands in for the Alipay app: it takes the order string of
// alipay.trade.app.pay or alipay.fund.coupon.order.app.pay, opens the trade
// or red packet and, with "action", acts as the buyer (sender).
func (a *API) appPay(c echo.Context) error {
	var in struct {
		OrderString string `json:"order_string"`
		Action      string `json:"action"`
		buyerBody
	}
	const usage = `body must be JSON: {"order_string":...,"action":"pay"}`
	if ok, err := bindJSON(c, &in, usage); !ok {
		return err
	}
	if in.OrderString == "" {
		return fail(c, http.StatusBadRequest, errors.New(usage))
	}
	if err := in.buyer().Check(); err != nil { // before the order string opens anything
		return fail(c, http.StatusBadRequest, err)
	}
	if err := appPayAction(gateway.OrderStringMethod(in.OrderString), in.Action); err != nil { // the same
		return fail(c, http.StatusBadRequest, err)
	}
	opened, e := a.OpenOrderString(in.OrderString)
	if e != nil && opened.Forced {
		return c.JSON(http.StatusBadRequest, alipayError(e, "order_string answered with a forced error (a scenario's respond or a queued answer)"))
	}
	if e != nil && e.Code == apierr.CodeUnknown { // the store failed: nothing is known to have opened
		return unavailable(c, errors.New("order_string not opened: the store failed"))
	}
	if e != nil {
		return c.JSON(http.StatusBadRequest, alipayError(e, "order_string refused"))
	}
	var bp *fixtures.Buyer
	if in.UserID != "" || in.LogonID != "" {
		bp = &fixtures.Buyer{UserID: in.UserID, LogonID: in.LogonID} // the two fields a body names
	}
	if o := opened.Coupon; o != nil {
		switch in.Action {
		case "":
			return c.JSON(http.StatusOK, o)
		case "pay":
			x, err := a.Coupons.SenderPay(o.AppID, o.AuthNo, bp)
			if err != nil {
				return a.couponAnswer(c, x, err)
			}
			r, err := notify.CouponAppResult(x, a.Key)
			if err != nil {
				return fail(c, http.StatusConflict, err)
			}
			return c.JSON(http.StatusOK, paidCoupon{Order: x, AppPayResult: r})
		case "close":
			x, err := a.Coupons.SenderClose(o.AppID, o.AuthNo)
			return a.couponAnswer(c, x, err)
		}
		return fail(c, http.StatusBadRequest, appPayAction("alipay.fund.coupon.order.app.pay", in.Action))
	}
	t := *opened.Trade
	if in.Action != "" {
		var err error
		if t, err = a.Trades.Act(t.AppID, t.TradeNo, trade.BuyerAction(in.Action), bp); err != nil {
			return a.tradeError(c, err)
		}
		if r, err := notify.TradeAppResult(t, a.Key); err == nil {
			return c.JSON(http.StatusOK, paidTrade{Trade: t, AppPayResult: r})
		}
	}
	return c.JSON(http.StatusOK, t)
}

// appPayAction checks the action POST /_mock/app-pay takes for an order
// string of method: a red packet's sender pays or closes, a trade's buyer
// also scans or fails.
func appPayAction(method, action string) error {
	if method == "alipay.fund.coupon.order.app.pay" {
		return oneOf("action", action, "pay", "close")
	}
	return oneOf("action", action, string(trade.ActScan), string(trade.ActPay), string(trade.ActFail), string(trade.ActClose))
}

// paidTrade and paidCoupon are what POST /_mock/app-pay answers a payment
// with: the trade or red packet, and the result the Alipay app would hand
// the merchant's app.
type paidTrade struct {
	trade.Trade
	AppPayResult notify.AppResult `json:"app_pay_result"`
}

type paidCoupon struct {
	coupon.Order
	AppPayResult notify.AppResult `json:"app_pay_result"`
}

// tradeAppResult is the app pay result of a paid app pay trade, however
// it was paid (POST /_mock/app-pay, the cashier, a scenario's then.buyer,
// POST /_mock/trades/{ref}/pay).
func (a *API) tradeAppResult(c echo.Context) error {
	t, err := a.Trades.Get(c.QueryParam("app_id"), c.Param("ref"))
	if err != nil {
		return a.tradeError(c, err)
	}
	r, err := notify.TradeAppResult(t, a.Key)
	if err != nil {
		return fail(c, http.StatusConflict, err)
	}
	return c.JSON(http.StatusOK, r)
}

// couponAppResult is tradeAppResult for a red packet paid in the app.
func (a *API) couponAppResult(c echo.Context) error {
	o, err := a.Coupons.Get(c.QueryParam("app_id"), c.Param("ref"))
	if err != nil {
		return a.couponAnswer(c, o, err)
	}
	r, err := notify.CouponAppResult(o, a.Key)
	if err != nil {
		return fail(c, http.StatusConflict, err)
	}
	return c.JSON(http.StatusOK, r)
}

func (a *API) health(c echo.Context) error {
	out := map[string]string{"status": "ok", "version": a.Version, "time": timestamp.Format(a.Sched.Clock().Now())}
	if a.StoreErr != nil {
		if err := a.StoreErr(); err != nil {
			// State is no longer kept: unhealthy, so a supervisor notices.
			out["status"], out["store_error"] = "store_failing", err.Error()
			return c.JSON(http.StatusServiceUnavailable, out)
		}
	}
	return c.JSON(http.StatusOK, out)
}

// publicKey serves the mock's Alipay public key: PEM by default,
// ?format=base64 for the raw form Alipay's console shows.
func (a *API) publicKey(c echo.Context) error {
	f := c.QueryParam("format")
	if err := oneOf("format", f, "pem", "base64"); err != nil {
		return fail(c, http.StatusBadRequest, err)
	}
	if f == "base64" {
		return c.String(http.StatusOK, keys.PublicBase64(&a.Key.PublicKey))
	}
	return c.Blob(http.StatusOK, "application/x-pem-file", keys.PublicPEM(&a.Key.PublicKey))
}

type appView struct {
	AppID       string `json:"app_id"`
	Name        string `json:"name"`
	SignType    string `json:"sign_type"`
	SellerID    string `json:"seller_id"`
	SellerEmail string `json:"seller_email"`
	Fingerprint string `json:"public_key_fingerprint"`
	PublicKey   string `json:"public_key"`
	// AppCertSN is set in certificate mode; ContentEncrypted when the app
	// has an AES content key.
	AppCertSN        string `json:"app_cert_sn,omitempty"`
	ContentEncrypted bool   `json:"content_encrypted,omitempty"`
	// ShowUnscanned is the app's own show_unscanned, when it has one.
	ShowUnscanned *bool `json:"show_unscanned,omitempty"`
	// AppGatewayURL is the app's 应用网关, where messages go.
	AppGatewayURL string `json:"app_gateway_url,omitempty"`
	// AuthRedirectURI is the app's authorisation callback; UserIDType how
	// its answers name users (user_id or open_id).
	AuthRedirectURI string `json:"auth_redirect_uri,omitempty"`
	UserIDType      string `json:"user_id_type"`
}

func viewApp(x *apps.App) appView {
	return appView{AppID: x.AppID, Name: x.Name, SignType: string(x.SignType), SellerID: x.Seller.UserID,
		SellerEmail: x.Seller.Email, Fingerprint: x.Fingerprint(), PublicKey: keys.PublicBase64(x.PublicKey),
		AppCertSN: x.CertSN, ContentEncrypted: x.EncryptKey != "", ShowUnscanned: x.ShowUnscanned, AppGatewayURL: x.AppGatewayURL,
		AuthRedirectURI: x.AuthRedirectURI, UserIDType: x.UserIDType()}
}

func (a *API) listApps(c echo.Context) error {
	out := []appView{}
	for _, x := range a.Apps.All() {
		out = append(out, viewApp(x))
	}
	return c.JSON(http.StatusOK, out)
}

// MaxAppBytes bounds the body of POST /_mock/apps: a key and a
// certificate chain take a few KiB.
const MaxAppBytes = 64 << 10

// addApp registers an app. Its key and certificate come as text in the
// body, never as paths: the API does not read the server's files.
func (a *API) addApp(c echo.Context) error {
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, MaxAppBytes)
	var s apps.Spec
	if ok, err := bindJSONBounded(c, &s, `body must be JSON: {"app_id":...,"public_key":...,"sign_type":"RSA2"}`,
		fmt.Sprintf("body over %d KiB: an app needs its key and certificate only", MaxAppBytes>>10)); !ok {
		return err
	}
	x, err := a.Apps.AddText(s)
	if errors.Is(err, trade.ErrStore) {
		return unavailable(c, err) // the store failed: not registered
	}
	if err != nil {
		return fail(c, http.StatusBadRequest, err)
	}
	return c.JSON(http.StatusCreated, viewApp(x))
}

// jsonBody refuses a body not sent as JSON, saying how to send it: curl
// -d sends application/x-www-form-urlencoded, and reading a JSON text as
// a form gave an empty app (app_id "" must be 16 digits). Like other
// JSON APIs (Elasticsearch, Kubernetes) the mock does not guess a body's
// type from its bytes; a browser's request needs the type anyway
// (fromOwnOrigin).
func jsonBody(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); mt == "application/json" {
		return nil
	}
	got := "no Content-Type"
	if ct != "" {
		got = "Content-Type " + ct
	}
	if strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		got += ", which curl -d sends unless told otherwise"
	}
	return fmt.Errorf("body must be JSON sent with Content-Type: application/json (got %s); with curl add -H 'Content-Type: application/json'", got)
}

// buyerUsage is what a buyer's (or a red packet's payer's) body must be.
const buyerUsage = `body must be JSON: {"buyer_id":...,"buyer_logon_id":...}`

// buyerBody is the body that names a buyer (or a red packet's payer): the
// two fields it takes, so that any other is refused (bindJSON).
type buyerBody struct {
	UserID  string `json:"buyer_id"`
	LogonID string `json:"buyer_logon_id"`
}

func (b buyerBody) buyer() fixtures.Buyer {
	return fixtures.Buyer{UserID: b.UserID, LogonID: b.LogonID}
}

// bindJSON reads the request's JSON body into v, or answers why it could
// not: 415 when the body is not sent as JSON (jsonBody), 400 with usage,
// what the body must be, when it does not decode into v, and 400 naming a
// field v does not take (a typo such as "sped" or "buyer_idd", another
// endpoint's "by"): every JSON body of the control API is read so, and a
// refused one changes nothing. ok is false when it answered; the handler
// then returns err (the answer's write).
// An empty body (Content-Length 0) is a body with no fields, as echo's
// Bind read it.
func bindJSON(c echo.Context, v any, usage string) (ok bool, err error) {
	return bindJSONBounded(c, v, usage, "")
}

// bindJSONStrict is bindJSON that also refuses an empty body with usage
// (the clock's and the faults' bodies, which name what to do).
func bindJSONStrict(c echo.Context, v any, usage string) (ok bool, err error) {
	return bindJSONBody(c, v, usage, "", false)
}

// bindJSONBounded is bindJSON for a handler that bounds its body with
// http.MaxBytesReader and says so: a body over the bound is 413 with
// tooLarge (with tooLarge empty, 400 with usage as any other).
func bindJSONBounded(c echo.Context, v any, usage, tooLarge string) (ok bool, err error) {
	return bindJSONBody(c, v, usage, tooLarge, true)
}

func bindJSONBody(c echo.Context, v any, usage, tooLarge string, emptyOK bool) (ok bool, err error) {
	if err := jsonBody(c.Request()); err != nil {
		return false, fail(c, http.StatusUnsupportedMediaType, err)
	}
	err = checkJSONText(c.Request())
	if bad := (textError{}); errors.As(err, &bad) {
		return false, fail(c, http.StatusBadRequest, bad.error)
	}
	if err == nil && !(emptyOK && c.Request().ContentLength == 0) {
		dec := json.NewDecoder(c.Request().Body)
		dec.DisallowUnknownFields()
		err = dec.Decode(v)
		if f, unknown := strings.CutPrefix(fmt.Sprint(err), "json: unknown field "); err != nil && unknown {
			return false, fail(c, http.StatusBadRequest, fmt.Errorf("%s (no field %s)", usage, f))
		}
	}
	if err != nil {
		if over := (*http.MaxBytesError)(nil); tooLarge != "" && errors.As(err, &over) {
			return false, fail(c, http.StatusRequestEntityTooLarge, errors.New(tooLarge))
		}
		return false, fail(c, http.StatusBadRequest, errors.New(usage))
	}
	return true, nil
}

// textError is a JSON body's string that storableText refuses.
type textError struct{ error }

// checkJSONText reads r's body and refuses, as a textError naming its
// place (sub_msg, list[2].name), a string or field name in it that
// storableText refuses; the body is left to be read again. A failed read
// is its error; a body that is not JSON is left to the decoder to refuse.
func checkJSONText(r *http.Request) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	type level struct {
		obj, wantKey bool
		key          string
		i            int
	}
	var path []level
	where := func() string {
		var w strings.Builder
		for _, l := range path {
			switch {
			case l.obj && l.key != "":
				if w.Len() > 0 {
					w.WriteByte('.')
				}
				w.WriteString(l.key)
			case !l.obj:
				fmt.Fprintf(&w, "[%d]", l.i)
			}
		}
		if w.Len() == 0 {
			return "the body"
		}
		return w.String()
	}
	next := func() { // a value ended
		if n := len(path); n > 0 {
			if path[n-1].obj {
				path[n-1].wantKey = true
			} else {
				path[n-1].i++
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or not JSON: the decoder's to refuse
		}
		switch tok := tok.(type) {
		case json.Delim:
			switch tok {
			case '{':
				path = append(path, level{obj: true, wantKey: true})
			case '[':
				path = append(path, level{})
			default:
				path = path[:len(path)-1]
				next()
			}
		case string:
			if n := len(path); n > 0 && path[n-1].obj && path[n-1].wantKey {
				path[n-1].key, path[n-1].wantKey = "", false
				if err := storableText("a field name in "+where(), tok); err != nil {
					return textError{err}
				}
				path[n-1].key = tok
				continue
			}
			if err := storableText(where(), tok); err != nil {
				return textError{err}
			}
			next()
		default:
			next()
		}
	}
}

func (a *API) reset(c echo.Context) error {
	app := c.QueryParam("app_id")
	if app != "" {
		if !a.knownApp(app) { // an authorised merchant's too
			return fail(c, http.StatusNotFound, errors.New("no app "+app))
		}
	}
	if err := a.Reset(app); err != nil {
		return unavailable(c, err) // the store failed: a reset to be tried again, not done
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "reset", "app_id": app})
}

// listTrades lists trades oldest first, one page at a time (limit,
// cursor; the next page's cursor in X-Next-Cursor and Link).
func (a *API) listTrades(c echo.Context) error {
	st := c.QueryParam("status")
	if err := oneOf("status", st, string(trade.WaitBuyerPay), string(trade.Success), string(trade.Closed), string(trade.Finished)); err != nil {
		return fail(c, http.StatusBadRequest, err)
	}
	pg, err := readPage(c, "trades")
	if err != nil {
		return fail(c, http.StatusBadRequest, err)
	}
	ts, next, err := a.Trades.Page(trade.Filter{AppID: c.QueryParam("app_id"), Status: trade.Status(st)}, pg.After, pg.Limit, false)
	if err != nil {
		return unavailable(c, err) // the store failed: not an empty list
	}
	nextPage(c, "trades", next)
	return c.JSON(http.StatusOK, ts)
}

func (a *API) getTrade(c echo.Context) error {
	t, err := a.Trades.Get(c.QueryParam("app_id"), c.Param("ref"))
	if err != nil {
		return a.tradeError(c, err)
	}
	return c.JSON(http.StatusOK, t)
}

func (a *API) tradeError(c echo.Context, err error) error {
	switch {
	case errors.Is(err, trade.ErrNotFound):
		return fail(c, http.StatusNotFound, err)
	case errors.Is(err, trade.ErrAmbiguous), errors.Is(err, trade.ErrQRCodeExpired):
		return fail(c, http.StatusConflict, err)
	case errors.Is(err, trade.ErrStore):
		return unavailable(c, err) // the store failed: not the trade's state
	}
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return fail(c, http.StatusConflict, err)
	}
	return fail(c, http.StatusBadRequest, err)
}

// act is the simulated buyer: scan, pay (optionally as a given buyer),
// fail or close, by out_trade_no, trade_no or QR token.
func (a *API) act(c echo.Context) error {
	act := trade.BuyerAction(c.Param("action"))
	switch act {
	case trade.ActScan, trade.ActPay, trade.ActFail, trade.ActClose:
	default:
		return fail(c, http.StatusNotFound, oneOf("action", string(act), string(trade.ActScan), string(trade.ActPay), string(trade.ActFail), string(trade.ActClose)))
	}
	var in buyerBody
	if c.Request().ContentLength != 0 {
		if ok, err := bindJSON(c, &in, buyerUsage); !ok {
			return err
		}
	}
	var bp *fixtures.Buyer
	if in.UserID != "" || in.LogonID != "" {
		buyer := in.buyer()
		bp = &buyer
	}
	t, err := a.Trades.Act(c.QueryParam("app_id"), c.Param("ref"), act, bp)
	if err != nil {
		return a.tradeError(c, err)
	}
	return c.JSON(http.StatusOK, t)
}
