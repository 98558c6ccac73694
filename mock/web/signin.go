package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// SignInPrefix is the authorisation pages' group.
const SignInPrefix = "/oauth2"

// SignInPath is the authorisation page, at the path of
// https://openauth.alipay.com/oauth2/publicAppAuthorize.htm.
const SignInPath = SignInPrefix + signInPage

// AppAuthPath is the ISV's app authorisation page (第三方应用授权), at the
// path of https://openauth.alipay.com/oauth2/appToAppAuth.htm.
const AppAuthPath = SignInPrefix + appAuthPage

const (
	signInPage  = "/publicAppAuthorize.htm"
	appAuthPage = "/appToAppAuth.htm"
)

// scopeAppAuth marks a form of the app authorisation page among the
// sign-in page's: each page's post takes only its own.
const scopeAppAuth = "app_to_app_auth"

// SignInCSP is the authorisation page's policy: the buyer pages' (no
// script, the stylesheet by hash) and never framed, so no other site can
// overlay the consent button. form-action stays open: the consent is
// answered with a redirect to the app's redirect_uri.
var SignInCSP = PageCSP + "; frame-ancestors 'none'"

// signInView is what the authorisation page shows.
type signInView struct {
	AppID, AppName string
	User           bool   // scope auth_user
	Scope, State   string // as the app asked
	Token          string
	UserID         string
	RedirectURI    string
	Action         string
	Message        string
	MessageEN      string
	Failed         bool
	// ISV: the app authorisation page, a merchant authorising the app.
	ISV bool
}

// RegisterSignIn adds the authorisation pages, sign-in's and the ISV's,
// to g, the group at SignInPrefix: GET shows the consent form, POST is the
// user's (the merchant's) answer.
func (p *Pages) RegisterSignIn(g *echo.Group) {
	g.GET(signInPage, p.signIn)
	g.POST(signInPage, p.signInAct)
	g.GET(appAuthPage, p.appAuth)
	g.POST(appAuthPage, p.appAuthAct)
}

func (p *Pages) signInError(c echo.Context, zh, en string) error {
	return p.renderSignIn(c, http.StatusBadRequest, signInView{Message: zh, MessageEN: en, Failed: true})
}

// appAuthError is the app authorisation page's error page, titled as it.
func (p *Pages) appAuthError(c echo.Context, zh, en string) error {
	return p.renderSignIn(c, http.StatusBadRequest, signInView{ISV: true, Message: zh, MessageEN: en, Failed: true})
}

func (p *Pages) renderSignIn(c echo.Context, status int, v signInView) error {
	var b strings.Builder
	if err := pages.ExecuteTemplate(&b, "signin.html", v); err != nil {
		return err
	}
	return c.HTML(status, b.String())
}

// signIn checks what the app's authorisation URL asks for and shows the
// consent form, kept under a one-time token.
func (p *Pages) signIn(c echo.Context) error {
	q := c.QueryParams()
	appID, redirect, state := q.Get("app_id"), q.Get("redirect_uri"), q.Get("state")
	a, perr := p.authRequest(appID, redirect, false)
	if perr != nil {
		return p.signInError(c, perr.zh, perr.en)
	}
	scope, err := userauth.ParseScope(q.Get("scope"))
	if err != nil {
		return p.signInError(c, "scope参数无效", err.Error())
	}
	if perr := checkState(state); perr != nil {
		return p.signInError(c, perr.zh, perr.en)
	}
	if c.Request().Method == http.MethodHead {
		return consentHead(c)
	}
	f, err := p.Users.Open(userauth.Form{AppID: appID, Scope: scope, RedirectURI: redirect, State: state})
	if err != nil { // the shared store failed: no form to post
		return p.formStoreFailed(c, err)
	}
	return p.renderSignIn(c, http.StatusOK, signInView{AppID: appID, AppName: a.Name, User: scope == userauth.ScopeUser,
		Scope: q.Get("scope"), State: state, Token: f.Token, UserID: p.IDs.UserID(), RedirectURI: redirect, Action: SignInPath})
}

// pageError is an error page's text, in Chinese and English.
type pageError struct{ zh, en string }

// authRequest checks the app and redirect_uri of an authorisation URL
// (apps.CheckAuthRedirect; exact for the app authorisation page). Sign-in
// takes a merchant's app an authorisation made up too (Auth.Knows): an ISV
// signs the merchant's users in with it (docs/sign-in.md).
func (p *Pages) authRequest(appID, redirect string, exact bool) (*apps.App, *pageError) {
	a, ok := p.Apps.Get(appID)
	if !ok && !exact && p.Auth.Knows(appID) {
		a, ok = &apps.App{AppID: appID, Name: appID}, true
	}
	if !ok {
		return nil, &pageError{"应用不存在或app_id无效", "Unknown app_id: register the app with the mock first"}
	}
	if r := a.CheckAuthRedirect(redirect, "", exact); r != nil {
		return nil, &pageError{r.Zh, r.En}
	}
	return a, nil
}

// checkState bounds the state an authorisation URL carries back
// (apps.CheckState).
func checkState(state string) *pageError {
	if r := apps.CheckState(state); r != nil {
		return &pageError{r.Zh, r.En}
	}
	return nil
}

// appAuth is the ISV's app authorisation page: a merchant (made up by the
// mock) authorises app_id to act for it. The form is sign-in's, one-time.
func (p *Pages) appAuth(c echo.Context) error {
	q := c.QueryParams()
	appID, redirect, state := q.Get("app_id"), q.Get("redirect_uri"), q.Get("state")
	a, perr := p.authRequest(appID, redirect, true)
	if perr == nil {
		perr = checkState(state)
	}
	if perr != nil {
		return p.appAuthError(c, perr.zh, perr.en)
	}
	if c.Request().Method == http.MethodHead {
		return consentHead(c)
	}
	f, err := p.Users.Open(userauth.Form{AppID: appID, Scope: scopeAppAuth, RedirectURI: redirect, State: state})
	if err != nil {
		return p.formStoreFailed(c, err)
	}
	return p.renderSignIn(c, http.StatusOK, signInView{AppID: appID, AppName: a.Name, ISV: true, Token: f.Token,
		RedirectURI: redirect, State: state, Action: AppAuthPath})
}

// consentHead answers a HEAD of an authorisation page whose checks
// passed as its GET would, without the body: no form is opened and no user
// id drawn, so a link checker's HEAD keeps the store and a --seed run's
// numbering as they were. No Content-Length: nor has the GET (chunked).
func consentHead(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	return c.NoContent(http.StatusOK)
}

// formStoreFailed is the pages' 503 when the shared store failed to keep,
// read or spend a form (--store): never 授权页已失效, which it cannot tell.
func (p *Pages) formStoreFailed(c echo.Context, err error) error {
	p.Log.Error("authorisation page: the store failed", "err", err)
	return p.unavailable(c)
}

// appAuthAct is the merchant's answer: consent makes an app_auth_code for
// a new merchant and sends the browser to redirect_uri with it; the form
// is used up only once the code is kept.
func (p *Pages) appAuthAct(c echo.Context) error {
	token := c.FormValue("form_token")
	f, err := p.Users.Form(token)
	if errors.Is(err, trade.ErrStore) {
		return p.formStoreFailed(c, err)
	}
	if err != nil || f.Scope != scopeAppAuth {
		return p.appAuthError(c, "授权页已失效，请重新发起授权", "This authorisation page expired or was used: open the app's authorisation URL again")
	}
	if c.FormValue("action") == "decline" {
		if ok, err := p.spendForm(c, token, p.appAuthError); !ok {
			return err
		}
		return p.renderSignIn(c, http.StatusOK, signInView{ISV: true, Message: "已取消授权", MessageEN: "You did not authorise the app: it gets nothing"})
	}
	code, err := p.Auth.Authorise(f.AppID, p.Auth.NewMerchant())
	if err != nil { // no code kept: none handed out, the form stays open
		p.Log.Error("app authorisation page: the store failed", "err", err)
		return p.unavailable(c)
	}
	if ok, err := p.spendForm(c, token, p.appAuthError); !ok { // not spent, or spent meanwhile: this code goes unused
		return err
	}
	return c.Redirect(http.StatusFound, code.Callback(f.RedirectURI, f.State))
}

// spendForm spends the form token names (Users.Decline). When it could
// not, it answers the browser (the store failed: 503, the form stays open;
// spent meanwhile on any replica: expired's page) and ok is false.
func (p *Pages) spendForm(c echo.Context, token string, expired func(echo.Context, string, string) error) (ok bool, answered error) {
	switch _, err := p.Users.Decline(token); {
	case errors.Is(err, trade.ErrStore):
		return false, p.formStoreFailed(c, err)
	case err != nil:
		return false, expired(c, "授权页已失效，请重新发起授权", "This authorisation page expired or was used")
	}
	return true, nil
}

// signInAct is the user's answer. The form carries only its token, the
// user and the choice: what the app asked for is what the token keeps,
// so a forged post can neither change the redirect nor reuse a form.
func (p *Pages) signInAct(c echo.Context) error {
	token := c.FormValue("form_token")
	f, err := p.Users.Form(token)
	if errors.Is(err, trade.ErrStore) {
		return p.formStoreFailed(c, err)
	}
	if err != nil || f.Scope == scopeAppAuth {
		return p.signInError(c, "授权页已失效，请重新发起授权", "This authorisation page expired or was used: open the app's authorisation URL again")
	}
	if c.FormValue("action") == "decline" {
		if ok, err := p.spendForm(c, token, p.signInError); !ok {
			return err
		}
		return p.renderSignIn(c, http.StatusOK, signInView{Message: "已取消授权", MessageEN: "You did not sign in: the app gets nothing"})
	}
	userID := strings.TrimSpace(c.FormValue("user_id"))
	if userID == "" {
		userID = p.IDs.UserID()
	}
	if !fixtures.IsUserID(userID) {
		a, _ := p.Apps.Get(f.AppID)
		v := signInView{AppID: f.AppID, User: f.Scope == userauth.ScopeUser, Scope: f.Scope, State: f.State, Token: token, UserID: userID,
			RedirectURI: f.RedirectURI, Action: SignInPath, Message: "用户ID格式错误", MessageEN: "The user id is 2088 and 12 digits", Failed: true}
		if a != nil {
			v.AppName = a.Name
		}
		return p.renderSignIn(c, http.StatusBadRequest, v)
	}
	f, code, err := p.Users.Consent(token, userID)
	if errors.Is(err, trade.ErrStore) { // no code handed out, the form stays open
		return p.formStoreFailed(c, err)
	}
	if err != nil {
		return p.signInError(c, "授权页已失效，请重新发起授权", "This authorisation page expired or was used")
	}
	return c.Redirect(http.StatusFound, f.Callback(code.Code))
}
