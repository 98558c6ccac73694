package control

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// listCoupons lists red packets and claims oldest first, one page at a
// time, like listTrades.
func (a *API) listCoupons(c echo.Context) error {
	st := c.QueryParam("status")
	if err := oneOf("status", st, string(coupon.OrderInit), string(coupon.OrderAuthorized), string(coupon.OrderFinish), string(coupon.OrderClosed)); err != nil {
		return fail(c, http.StatusBadRequest, err)
	}
	pg, err := readPage(c, "red-packets")
	if err != nil {
		return fail(c, http.StatusBadRequest, err)
	}
	list, next, err := a.Coupons.Page(c.QueryParam("app_id"), coupon.OrderStatus(st), pg.After, pg.Limit, false)
	if err != nil {
		return unavailable(c, err) // the store failed: not an empty list
	}
	nextPage(c, "red-packets", next)
	return c.JSON(http.StatusOK, list)
}

func (a *API) getCoupon(c echo.Context) error {
	o, err := a.Coupons.Get(c.QueryParam("app_id"), c.Param("ref"))
	return a.couponAnswer(c, o, err)
}

// couponAct is the simulated sender of an app or page pay red packet: pay
// (optionally as a given payer) or close.
func (a *API) couponAct(c echo.Context) error {
	app, ref := c.QueryParam("app_id"), c.Param("ref")
	switch c.Param("action") {
	case "pay":
		var in buyerBody
		if c.Request().ContentLength != 0 {
			if ok, err := bindJSON(c, &in, buyerUsage); !ok {
				return err
			}
		}
		var pp *fixtures.Buyer
		if in.UserID != "" || in.LogonID != "" {
			payer := in.buyer()
			pp = &payer
		}
		o, err := a.Coupons.SenderPay(app, ref, pp)
		return a.couponAnswer(c, o, err)
	case "close":
		o, err := a.Coupons.SenderClose(app, ref)
		return a.couponAnswer(c, o, err)
	}
	return fail(c, http.StatusNotFound, oneOf("action", c.Param("action"), "pay", "close"))
}

func (a *API) couponAnswer(c echo.Context, o coupon.Order, err error) error {
	var ae *apierr.Error
	switch {
	case err == nil:
		return c.JSON(http.StatusOK, o)
	case errors.Is(err, coupon.ErrNotFound):
		return fail(c, http.StatusNotFound, err)
	case errors.Is(err, trade.ErrAmbiguous):
		return fail(c, http.StatusConflict, err)
	case errors.Is(err, trade.ErrStore):
		return unavailable(c, err) // the store failed: not the red packet's state
	case errors.As(err, &ae):
		return fail(c, http.StatusConflict, err)
	}
	return fail(c, http.StatusBadRequest, err)
}

func (a *API) listFaults(c echo.Context) error { return c.JSON(http.StatusOK, a.Faults.List()) }

// addFault queues an answer for the next matching gateway requests:
// {"method":"alipay.fund.coupon.order.disburse","code":"20000","execute":true,"times":1}.
func (a *API) addFault(c echo.Context) error {
	var f gateway.Answer
	if ok, err := bindJSONStrict(c, &f, `body must be JSON: {"method":...,"code":"20000","execute":true}`); !ok {
		return err
	}
	if f.AppID != "" {
		if _, ok := a.Apps.Get(f.AppID); !ok {
			return fail(c, http.StatusBadRequest, errors.New("no app "+f.AppID))
		}
	}
	added, err := a.Faults.Add(f)
	if errors.Is(err, trade.ErrStore) {
		return unavailable(c, err) // the store failed: nothing queued
	}
	if err != nil {
		return fail(c, http.StatusBadRequest, err)
	}
	return c.JSON(http.StatusCreated, added)
}

// clearFaults forgets the queued answers: ?app_id='s alone (those for any
// app stay), else every one.
func (a *API) clearFaults(c echo.Context) error {
	app := c.QueryParam("app_id")
	if app != "" {
		if _, ok := a.Apps.Get(app); !ok {
			return fail(c, http.StatusNotFound, errors.New("no app "+app))
		}
		if err := a.Faults.Forget(app); err != nil {
			return unavailable(c, err) // the store failed: nothing forgotten
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "cleared", "app_id": app})
	}
	if err := a.Faults.Clear(); err != nil {
		return unavailable(c, err) // the store failed: nothing cleared
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "cleared"})
}
