package control

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/appauth"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// authorise is the merchant's click on the ISV's authorisation page: it
// makes an app_auth_code for app_id. The merchant is a registered app
// (merchant_app_id) or, by default, a new merchant the mock makes up.
// With redirect_uri (and state) the answer also carries the URL production
// would send the merchant's browser to; one the page would refuse (not the
// app's auth_redirect_uri exactly, not http(s), a state over 256 bytes) is
// 400 and makes no code.
func (a *API) authorise(c echo.Context) error {
	var in struct {
		AppID         string `json:"app_id"`
		MerchantAppID string `json:"merchant_app_id"`
		RedirectURI   string `json:"redirect_uri"`
		State         string `json:"state"`
	}
	if ok, err := bindJSON(c, &in, `body must be JSON: {"app_id":"<ISV app>","merchant_app_id":"<optional>"}`); !ok {
		return err
	}
	isv, ok := a.Apps.Get(in.AppID)
	if !ok {
		return fail(c, http.StatusNotFound, errors.New("no app "+in.AppID+" (the ISV's app must be registered)"))
	}
	// The page's rules: what it would refuse gets no code and no URL.
	if r := apps.CheckState(in.State); r != nil {
		return fail(c, http.StatusBadRequest, r)
	}
	if in.RedirectURI != "" {
		if r := isv.CheckAuthRedirect(in.RedirectURI, in.State, true); r != nil {
			return fail(c, http.StatusBadRequest, r)
		}
	}
	m := a.Auth.NewMerchant()
	if in.MerchantAppID != "" {
		x, ok := a.Apps.Get(in.MerchantAppID)
		if !ok {
			return fail(c, http.StatusNotFound, errors.New("no app "+in.MerchantAppID))
		}
		m = appauth.Merchant{AuthAppID: x.AppID, Seller: x.Seller}
	}
	code, err := a.Auth.Authorise(in.AppID, m)
	if err != nil {
		return unavailable(c, err) // the store failed to keep the code
	}
	out := map[string]any{"app_auth_code": code.Code, "app_id": in.AppID, "auth_app_id": m.AuthAppID,
		"user_id": m.Seller.UserID, "expires": code.Expires}
	if in.RedirectURI != "" {
		out["redirect"] = code.Callback(in.RedirectURI, in.State)
	}
	return c.JSON(http.StatusCreated, out)
}

// grantUser is a user's consent on the authorisation page, without the
// page: an auth_code for app_id and scope, for user_id (a new fake user
// when left out). With redirect_uri the answer carries where the page
// would send the browser.
func (a *API) grantUser(c echo.Context) error {
	var in struct {
		AppID       string `json:"app_id"`
		Scope       string `json:"scope"`
		UserID      string `json:"user_id"`
		RedirectURI string `json:"redirect_uri"`
		State       string `json:"state"`
	}
	if ok, err := bindJSON(c, &in, `body must be JSON: {"app_id":"…","scope":"auth_user|auth_base","user_id":"<optional>"}`); !ok {
		return err
	}
	app, ok := a.Apps.Get(in.AppID)
	if !ok && a.Auth.Knows(in.AppID) { // a made-up merchant's app, as the page takes
		app, ok = &apps.App{AppID: in.AppID}, true
	}
	if !ok {
		return fail(c, http.StatusNotFound, errors.New("no app "+in.AppID))
	}
	// The sign-in page's rules: what it would refuse gets no code and no URL.
	if r := apps.CheckState(in.State); r != nil {
		return fail(c, http.StatusBadRequest, r)
	}
	if in.RedirectURI != "" {
		if r := app.CheckAuthRedirect(in.RedirectURI, in.State, false); r != nil {
			return fail(c, http.StatusBadRequest, r)
		}
	}
	if in.Scope == "" {
		in.Scope = userauth.ScopeUser
	}
	scope, err := userauth.ParseScope(in.Scope) // the page's rule
	if err != nil {
		return fail(c, http.StatusBadRequest, err)
	}
	in.Scope = scope
	if in.UserID == "" {
		in.UserID = a.IDs.UserID()
	}
	if !fixtures.IsUserID(in.UserID) {
		return fail(c, http.StatusBadRequest, errors.New("user_id must be 2088 and 12 digits"))
	}
	code, err := a.Users.Grant(in.AppID, in.Scope, in.UserID)
	if err != nil {
		return unavailable(c, err) // the store failed to keep the code: none issued
	}
	out := map[string]any{"auth_code": code.Code, "app_id": in.AppID, "scope": in.Scope, "user_id": in.UserID, "expires": code.Expires}
	if in.RedirectURI != "" {
		out["redirect"] = userauth.Form{AppID: in.AppID, Scope: in.Scope, RedirectURI: in.RedirectURI, State: in.State}.Callback(code.Code)
	}
	return c.JSON(http.StatusCreated, out)
}

// listTokens lists the app_auth_tokens kept, oldest first, one page at a
// time (limit, cursor; the next page's cursor in X-Next-Cursor and Link).
func (a *API) listTokens(c echo.Context) error {
	pg, err := readPage(c, "app-auth-tokens")
	if err != nil {
		return fail(c, http.StatusBadRequest, err)
	}
	ts, next := a.Auth.Tokens(c.QueryParam("app_id"), pg.After, pg.Limit)
	nextPage(c, "app-auth-tokens", next)
	return c.JSON(http.StatusOK, ts)
}
