package control

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
)

// balance is the balance account of an app's merchant (shared by its
// apps) as the control API shows it.
type balance struct {
	AppID     string        `json:"app_id"`
	Available amount.Amount `json:"available_amount"`
	Freeze    amount.Amount `json:"freeze_amount"`
}

// knownApp reports whether app is a registered app, or the app of a
// merchant an authorisation made up (auth_app_id): its trades, transfers
// and balance are kept under that id.
func (a *API) knownApp(app string) bool {
	if _, ok := a.Apps.Get(app); ok {
		return true
	}
	return a.Auth.Knows(app)
}

// getBalance answers GET /_mock/apps/{app_id}/balance: what
// alipay.fund.account.query would answer the app.
func (a *API) getBalance(c echo.Context) error {
	app := c.Param("app_id")
	if !a.knownApp(app) {
		return fail(c, http.StatusNotFound, errors.New("no app "+app))
	}
	b, err := a.Fund.Balance(app)
	if err != nil {
		return unavailable(c, err) // the store failed: not the opening balance
	}
	return c.JSON(http.StatusOK, balance{app, b.Available, b.Freeze})
}

// setBalance answers POST /_mock/apps/{app_id}/balance
// {"available_amount":"100.00"}: the available balance of the app's
// merchant's account becomes that amount; later payments and transfers of
// any of its apps move it from there.
func (a *API) setBalance(c echo.Context) error {
	app := c.Param("app_id")
	if !a.knownApp(app) {
		return fail(c, http.StatusNotFound, errors.New("no app "+app))
	}
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, 4<<10)
	var in struct {
		Available *amount.Amount `json:"available_amount"`
	}
	const usage = `body must be JSON: {"available_amount":"100.00"} (yuan, at most two decimals)`
	if ok, err := bindJSON(c, &in, usage); !ok {
		return err
	}
	if in.Available == nil {
		return fail(c, http.StatusBadRequest, errors.New(usage))
	}
	b, err := a.Fund.SetBalance(app, *in.Available)
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return fail(c, http.StatusBadRequest, err) // fund.InvalidParameter: the amount
	}
	if err != nil {
		return unavailable(c, err) // the store failed: not a bad amount
	}
	return c.JSON(http.StatusOK, balance{app, b.Available, b.Freeze})
}

// listTransfers lists transfers oldest first, one page at a time.
func (a *API) listTransfers(c echo.Context) error {
	pg, err := readPage(c, "transfers")
	if err != nil {
		return fail(c, http.StatusBadRequest, err)
	}
	ts, next, err := a.Fund.Page(c.QueryParam("app_id"), pg.After, pg.Limit)
	if err != nil {
		return unavailable(c, err) // the store failed: not an empty list
	}
	nextPage(c, "transfers", next)
	return c.JSON(http.StatusOK, ts)
}

// getTransfer is one transfer by out_biz_no or order_id.
func (a *API) getTransfer(c echo.Context) error {
	t, ok, err := a.Fund.Get(c.QueryParam("app_id"), c.Param("ref"))
	if err != nil {
		return unavailable(c, err) // the store failed: not "no transfer"
	}
	if !ok {
		return fail(c, http.StatusNotFound, errors.New("no transfer "+c.Param("ref")+" (out_biz_no needs app_id)"))
	}
	return c.JSON(http.StatusOK, t)
}
