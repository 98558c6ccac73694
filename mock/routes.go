package mock

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/control"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/shared"
	"github.com/alipay-mock/alipay-mock/mock/web"
)

// surface is one face of the mock with its own rules: the headers its
// answers carry besides securityHeaders, the most body it reads, and the
// shape of its errors.
type surface struct {
	headers func(http.Header) // nil: securityHeaders alone
	maxBody int64             // 0: its handlers bound the body themselves
	// writeTimeout, when set, bounds the writing of each answer
	// (writeDeadline): surfaces with large answers.
	writeTimeout time.Duration
	// fail answers an error its handlers returned or a panic, in the
	// surface's own shape.
	fail func(c echo.Context, status int, err error) error
}

// use is the middleware every route of the surface runs first, outermost
// first: its headers, its error answer, the one recovery, its body limit.
func (sf surface) use(recovery echo.MiddlewareFunc) []echo.MiddlewareFunc {
	var m []echo.MiddlewareFunc
	if sf.headers != nil {
		m = append(m, sf.setHeaders)
	}
	m = append(m, sf.answerErrors, recovery)
	if sf.maxBody > 0 {
		m = append(m, limitBody(sf.maxBody))
	}
	if sf.writeTimeout > 0 {
		m = append(m, writeDeadline(sf.writeTimeout))
	}
	return m
}

// setHeaders adds the surface's headers before anything can write.
func (sf surface) setHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sf.headers(c.Response().Header())
		return next(c)
	}
}

// answerErrors writes what the surface's handlers returned as an error.
func (sf surface) answerErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil || c.Response().Committed {
			return nil
		}
		return sf.fail(c, statusOf(err), err)
	}
}

func statusOf(err error) int {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he.Code
	}
	return http.StatusInternalServerError
}

// routes is the mock's HTTP side: a route group per surface, each with its
// headers, body limit, error shape and guards.
//
//	/gateway.do, /v3/...          the gateway (Alipay's answers, its own limits)
//	/downloadBillFile.resource    bill downloads
//	/_mock/...                    the control API: guarded, same-origin only
//	/_mock/ui/...                 the dashboard: guarded, its own form check
//	/cashier/..., /qr/...         the buyer pages: anyone with the token
//	/oauth2/publicAppAuthorize.htm  the authorisation page (sign-in): one-time form tokens
//	/oauth2/appToAppAuth.htm        the ISV's app authorisation page: the same
func (s *Server) routes(cfg config) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// Every GET route answers HEAD (RFC 9110 §9.3.2) through the same
	// handler and middleware, guards included; net/http drops the body.
	e.OnAddRouteHandler = func(host string, r echo.Route, h echo.HandlerFunc, m []echo.MiddlewareFunc) {
		if r.Method == http.MethodGet && host == "" { // the mock routes no echo host
			e.Add(http.MethodHead, r.Path, h, m...)
		}
	}
	// The mock's JSON writes times as Alipay does: GMT+8 text.
	e.JSONSerializer = control.JSONSerializer{}
	// What no surface answers (a path no route knows, a method none
	// takes) gets the control API's JSON, with the strict headers.
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		if !c.Response().Committed {
			_ = s.jsonError(c, statusOf(err), err)
		}
	}
	// https://qr.alipay.com/bax0… is the QR page (mock/tls.go).
	e.Pre(qrHost)
	e.Use(securityHeaders)
	recovery := middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableErrorHandler: true, // the surface answers it
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.Log.Error("panic", "path", c.Request().URL.Path, "err", err, "stack", string(stack))
			return err
		},
	})

	gw := &gateway.Gateway{Deps: s.Deps, Queue: s.Faults, AllowCrossSite: cfg.AllowCrossSiteGateway, FundPublicKey: cfg.FundPublicKey,
		Hosts: shared.NewHosts(cfg.PublicURL, cfg.AllowedHosts), TimestampTolerance: cfg.TimestampTolerance,
		PublicURL: cfg.PublicURL, AlipayQRCode: cfg.QRCode == QRCodeAlipay, BillFeeRate: cfg.BillFeeRate, BillsAtPeriodEnd: cfg.BillsAtPeriodEnd,
		BillMaxBytes:  cfg.BillMaxBytes,
		AlipayCertPEM: cfg.alipayCert, AlipayCertSN: cfg.alipayCertSN, RootCertSN: keys.DevRootCertSN()}
	s.gw = gw
	s.ForgetWaitingBuyers = gw.ForgetQueryPays // before the surfaces below copy s.Deps
	s.ForgetAnswers = func(app string) error {
		if app == "" {
			return s.Faults.Clear()
		}
		return s.Faults.Forget(app)
	}
	if s.pg != nil {
		gw.LaterBuyer = s.laterBuyer
		gw.QueryPays = s.queryPays
	} else if s.db != nil {
		gw.LaterBuyer = s.keepBuyer
		gw.QueryPays = s.queryPaysKept
	}
	gwSurface := surface{fail: s.gatewayError}.use(recovery)
	// Any HTTP method: what is not GET is read like a POST, so even a PUT
	// gets the gateway's own Alipay-shaped answer; a method echo does not
	// route still gets the gateway's error.
	e.Any(GatewayPath, gw.Handle, gwSurface...)
	e.RouteNotFound(GatewayPath, echo.NotFoundHandler, gwSurface...)
	// v3 REST: 404/400 JSON for unknown paths and wrong HTTP methods.
	v3 := e.Group(strings.TrimSuffix(gateway.V3Prefix, "/"), surface{fail: s.v3Error}.use(recovery)...)
	v3.Any("", gw.HandleV3)
	v3.Any("/*", gw.HandleV3)
	bill := e.Group(gateway.BillPath, surface{maxBody: MaxControlBody, writeTimeout: cfg.writeTimeout, fail: s.jsonError}.use(recovery)...)
	bill.GET("", gw.DownloadBill)

	guard := control.Guard(control.GuardOptions{Token: cfg.ControlToken, AllowedHosts: cfg.AllowedHosts, PublicURL: cfg.PublicURL})
	var storeErr func() error
	if s.db != nil {
		storeErr = s.db.Err
	}
	if s.pg != nil {
		storeErr = s.pg.Err
	}
	api := &control.API{Deps: s.Deps, Faults: s.Faults, Version: Version, StoreErr: storeErr,
		AlipayCert: cfg.alipayCert, RootCert: keys.DevRootCertPEM(), Methods: gateway.Catalogue(),
		OpenOrderString: gw.OpenOrderString, WaitingBuyers: s.waitingBuyers, BillFiles: gw.BillFiles}
	ctl := e.Group(control.Prefix, append(surface{headers: controlHeaders, maxBody: MaxControlBody, writeTimeout: cfg.writeTimeout, fail: s.jsonError}.use(recovery),
		control.RefuseOwnRequests, guard, control.SameOrigin, control.ReadableQuery, s.catchUp)...)
	api.Register(ctl)
	notFound := func(echo.Context) error { return echo.ErrNotFound }
	methodNotAllowed := func(echo.Context) error { return echo.ErrMethodNotAllowed }
	all := newCatchAlls()
	catchAll(e, all, ctl, notFound, methodNotAllowed)
	catchAll(e, all, bill, notFound, methodNotAllowed)

	dash := &web.Dashboard{Deps: s.Deps, Faults: s.Faults, Version: Version, PublicURL: cfg.PublicURL}
	ui := e.Group(web.DashboardPrefix, append(surface{headers: dashboardHeaders, maxBody: MaxControlBody, writeTimeout: cfg.writeTimeout, fail: dash.Error}.use(recovery),
		control.RefuseOwnRequests, guard, s.catchUp)...)
	dash.Register(ui)
	catchAll(e, all, ui, dash.Missing, func(c echo.Context) error {
		return dash.Error(c, http.StatusMethodNotAllowed, errors.New(c.Request().URL.Path+" takes "+c.Response().Header().Get(echo.HeaderAllow)+" only"))
	})

	pages := &web.Pages{Deps: s.Deps, PublicURL: cfg.PublicURL, AlipayQRCode: cfg.QRCode == QRCodeAlipay}
	page := append(surface{headers: pageHeaders, maxBody: MaxPageBody, fail: pages.Fail}.use(recovery), control.RefuseOwnRequests)
	cashier, qr := e.Group(web.CashierPrefix, page...), e.Group(web.QRPrefix, page...)
	pages.Register(cashier, qr)
	catchAll(e, all, cashier, pages.Missing, pages.MethodNotAllowed)
	catchAll(e, all, qr, pages.Missing, pages.MethodNotAllowed)
	// The authorisation pages (sign-in with Alipay, an ISV's app): buyer
	// pages that are never framed (their consent button is what a framing
	// site would want).
	signIn := e.Group(web.SignInPrefix, append(surface{headers: signInHeaders, maxBody: MaxPageBody, fail: pages.Fail}.use(recovery),
		control.RefuseOwnRequests)...)
	pages.RegisterSignIn(signIn)
	catchAll(e, all, signIn, pages.Missing, pages.MethodNotAllowed)
	// A method no route names (BREW) at a group's root would reach an
	// enclosing group's catch-all (/_mock/*) through that group's middleware
	// (its origin and query checks answering first); the root's own handler
	// answers it, as it answers PUT. Pre runs before echo.Use's
	// securityHeaders, so they are applied here.
	e.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if root, ok := all.roots[echo.GetPath(r)]; ok && !slices.Contains(fillerMethods, r.Method) {
				return securityHeaders(root)(c)
			}
			return next(c)
		}
	})
	return e
}

// fillerMethods are the methods a group's root is routed for, taken or
// filled in by catchAll; any other reaches the root through routes' Pre.
var fillerMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace}

// catchAlls is what the catchAll calls of one echo share: the filler
// routes each adds (a path's methods to its handler, not methods it takes),
// and each group root's handler, which takes the methods echo would hand an
// enclosing group's catch-all (an unknown one, BREW /_mock/ui).
type catchAlls struct {
	filler map[string]bool             // "METHOD path"
	roots  map[string]echo.HandlerFunc // root path: its group's catch-all, with the group's middleware
}

func newCatchAlls() *catchAlls {
	return &catchAlls{filler: map[string]bool{}, roots: map[string]echo.HandlerFunc{}}
}

// catchAll answers, under group g, what its routes do not take: 405
// with Allow when the path takes other methods (RFC 9110 §15.5.6), with
// notAllowed; otherwise missing. echo's Group.Use routes such requests
// to a 404 of its own, which this replaces (guards and all, as any of g's
// routes). OPTIONS stays missing's: the mock answers no preflight.
func catchAll(e *echo.Echo, all *catchAlls, g *echo.Group, missing, notAllowed echo.HandlerFunc) {
	routed := sync.OnceValue(func() map[string]bool { // once every route is in
		m := map[string]bool{}
		for _, r := range e.Routes() {
			k := r.Method + " " + r.Path
			m[k] = r.Method != echo.RouteNotFound && !all.filler[k]
		}
		return m
	})
	h := func(c echo.Context) error {
		r := c.Request()
		if r.Method == http.MethodOptions {
			return missing(c)
		}
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			found := e.NewContext(r, nil)
			e.Router().Find(m, echo.GetPath(r), found)
			if routed()[m+" "+found.Path()] {
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			return missing(c)
		}
		c.Response().Header().Set(echo.HeaderAllow, strings.Join(allow, ", "))
		return notAllowed(c)
	}
	root := g.RouteNotFound("", h).Path
	g.RouteNotFound("/*", h)
	// A root that is a route (/_mock/ui) is a node echo answers only the
	// methods it routes; another method would go to an enclosing group's
	// catch-all (/_mock/*). Route the others here: the usual ones as
	// filler routes, any other through all.roots (routes' Pre).
	taken := map[string]bool{}
	for _, r := range e.Routes() {
		if r.Path == root && r.Method != echo.RouteNotFound {
			taken[r.Method] = true
		}
	}
	if len(taken) == 0 {
		return
	}
	var fill string
	for _, m := range fillerMethods {
		if !taken[m] {
			all.filler[m+" "+root] = true
			g.Add(m, "", h)
			fill = m
		}
	}
	if fill != "" { // the filler route's handler is h inside g's middleware
		if req, err := http.NewRequest(fill, root, nil); err == nil {
			found := e.NewContext(req, nil)
			e.Router().Find(fill, root, found)
			all.roots[root] = found.Handler()
		}
	}
}

// Routes lists what the mock routes: each HTTP method and echo path (":name"
// a path parameter), the handlers of unknown paths included.
func (s *Server) Routes() []*echo.Route { return s.echo.Routes() }

// gatewayError is gateway.do's answer to what its pipeline did not write
// (a failure, or an HTTP method echo does not route): Alipay's system
// error.
func (s *Server) gatewayError(c echo.Context, status int, err error) error {
	if status >= 500 {
		s.Log.Error("gateway failure", "err", err)
	}
	return c.JSON(http.StatusOK, map[string]any{"error_response": apierr.SystemBusy()})
}

// v3Error is v3's: what the router refused before the v3 handler (an HTTP
// method it does not route) is a wrong method, anything else a system
// error.
func (s *Server) v3Error(c echo.Context, status int, err error) error {
	if status >= 500 {
		s.Log.Error("v3 failure", "err", err)
		status, body := gateway.V3Error(apierr.SystemBusy())
		return c.Blob(status, echo.MIMEApplicationJSONCharsetUTF8, body)
	}
	return c.Blob(http.StatusBadRequest, echo.MIMEApplicationJSONCharsetUTF8, (&sign.V3Error{Code: "invalid-http-method", Message: "无效的HTTP方法"}).Bytes())
}

// jsonError is the control API's error body, which bill downloads and
// paths no route knows answer too.
func (s *Server) jsonError(c echo.Context, status int, err error) error {
	if status >= 500 {
		s.Log.Error("request failed", "path", c.Request().URL.Path, "err", err)
	}
	return c.JSON(status, control.Error{Error: http.StatusText(status)})
}
