package gateway

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/mock/journal"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// wire is what differs between gateway.do (v1) and the v3 REST API: how a
// request is parsed and authenticated, and how its answer is encoded,
// signed and delivered. Everything between is the pipeline's (serve).
type wire interface {
	// authenticate parses the request into cl and checks it, up to and
	// including biz_content; a reply with an error is the answer.
	authenticate(g *Gateway, cl *call) reply
	// encode encodes r, signs it and delivers it (scenario delay and fault).
	encode(g *Gateway, c echo.Context, cl *call, r reply) error
}

// newCall starts a call on the mock's clock.
func (g *Gateway) newCall(req *http.Request) *call {
	now := g.Clock.Now()
	return &call{req: req, now: now, entry: journal.Entry{At: now, HTTPMethod: req.Method}}
}

// serve runs a request through the pipeline both APIs share: parse and
// authenticate (w), plan (scenario rule; the forced outcome in dispatch),
// execute on the domain, then encode, sign and deliver (w). Page methods
// leave it for the cashier after the plan. The journal entry is
// written when it ends, and a bug in the mock still gets an answer shaped
// as the API's.
func (g *Gateway) serve(c echo.Context, w wire, cl *call) error {
	start := time.Now() // wall time, for the journal's latency
	cl.ec = c
	defer func() {
		cl.entry.WallMS = float64(time.Since(start).Microseconds()) / 1000
		cl.entry.About, cl.entry.Ref = cl.ref()
		g.logCall(cl)
		if g.Journal != nil {
			g.Journal.Add(cl.entry)
		}
	}()
	// Whatever happens, what the book left to do once its change is on
	// disk is done (answered.go); normally the answer waited for it.
	defer func() { _ = cl.ack.Wait() }()
	r := reply{node: sign.ErrorNode}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v) // a scenario's dropped connection
			}
			g.Log.Error("gateway panicked", "method", cl.method, "panic", v)
			_ = w.encode(g, c, cl, cl.shape(reply{node: r.node, err: apierr.SystemBusy(), signed: r.signed}))
		}
	}()
	r = w.authenticate(g, cl)
	if r.err == nil {
		if e := g.plan(cl); e != nil {
			r = g.storeFailure(cl, e)
		}
	}
	page := cl.ent != nil && cl.ent.Page
	switch {
	case page && r.err != nil:
		return g.pageError(c, cl, r.err)
	case page:
		return g.cashier(c, cl)
	case r.err == nil:
		r = g.dispatch(cl)
		if e := g.afterCall(cl, r); e != nil {
			r = g.storeFailure(cl, e)
		}
	}
	// Every answer once the method is known, the gateway's own checks
	// too, is in the method's form (errors of oauth.token in error_response).
	return w.encode(g, c, cl, cl.shape(r))
}

// shape is r in the form of the method's entry, once the request named one.
func (cl *call) shape(r reply) reply {
	if cl.ent == nil {
		return r
	}
	return cl.ent.shape(r)
}

// logCall writes the one info line of a gateway request: what was asked,
// by whom, about which trade or red packet, what went back, the scenario
// rule that acted and how long it took (wall milliseconds).
func (g *Gateway) logCall(cl *call) {
	if g.Log == nil || !g.Log.Enabled(cl.req.Context(), slog.LevelInfo) {
		return
	}
	e := &cl.entry
	args := make([]any, 0, 18)
	args = append(args, "method", orDash(e.Method), "app_id", orDash(e.AppID))
	biz := cl.flatBiz()
	for _, k := range [...]string{"out_trade_no", "out_order_no"} {
		if v := biz[k]; v != "" {
			args = append(args, k, v)
		}
	}
	args = append(args, "code", orDash(e.Code))
	if e.SubCode != "" {
		args = append(args, "sub_code", e.SubCode)
	}
	if e.Rule != "" {
		args = append(args, "rule", e.Rule)
	}
	if e.Fault != "" {
		args = append(args, "fault", e.Fault)
	}
	args = append(args, "status", e.Status, "ms", e.WallMS)
	api := "gateway.do"
	if strings.HasPrefix(cl.req.URL.Path, V3Prefix) {
		api = "v3"
	}
	g.Log.Info(api, args...)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// plan finds the scenario rule that acts on the call, noting in the
// journal which rule acted and why others did not. An error is the
// store's (a stateful rule's count or state not read or not stored):
// the call is answered 20000, no rule acting.
func (g *Gateway) plan(cl *call) *apierr.Error {
	if g.Scenarios == nil {
		return nil
	}
	// The header answers its gateway request alone (dispatch, and a page
	// method's error page): no rule counts it or acts on it.
	if cl.req != nil && outcomeText(cl.req.Header.Get(OutcomeHeader)) != "" {
		return nil
	}
	// So does a queued answer that stands in for the request (without
	// execute): taken first, it leaves a times: 1 rule for the next one.
	q, execute, e := g.takeQueued(cl, takeStandIn)
	if e != nil || q != nil {
		return e
	}
	// One with execute (left queued: execute) is taken once the match
	// stood, so a match failing on the store (20000) uses no answer; it
	// answers in place of the rule's respond, so a rule with nothing
	// else that acts is not counted. (Taken meanwhile by a concurrent
	// request, the rule's respond answers, uncounted.)
	var err error
	cl.plan, cl.misses, err = g.Scenarios.Match(scenarios.Request{AppID: cl.app.AppID, Method: cl.method, Biz: cl.flatBiz(), Answered: execute})
	cl.entry.Misses = cl.misses
	if err != nil {
		g.Log.Error("scenario state not read or stored", "method", cl.method, "err", err)
		return g.asAPI(trade.StoreFailed(err))
	}
	if cl.plan != nil {
		cl.entry.Rule = cl.plan.Rule
	}
	if execute {
		_, _, e = g.takeQueued(cl, takeExecute)
	}
	// An answer queued since the call looked waits for the next one.
	cl.queueTaken = true
	return e
}

// admit is what both APIs check once the signature verifies: the app's
// permission for the method, the merchant's app_auth_token and, when the
// merchant is one of the mock's apps, its permission too (but for the
// ISV's own methods), and
// biz_content, decrypted when it came AES-encrypted.
func (g *Gateway) admit(cl *call) (string, *apierr.Error) {
	if !cl.app.Allows(cl.method) {
		return "", apierr.New(apierr.CodePermission, "isv.insufficient-isv-permissions", "ISV权限不足，建议在开发者中心检查对应功能是否已经添加")
	}
	if tok := cl.params["app_auth_token"]; tok != "" {
		t, err := g.Auth.Resolve(cl.app.AppID, tok)
		if err != nil {
			return "", g.asAPI(err)
		}
		cl.token = &t
		// "代理的商户没有当前接口权限" (Alipay's public error codes); the
		// ISV's own methods are not the merchant's to allow.
		if m, ok := g.Apps.Get(t.Merchant.AuthAppID); ok && !isvOwn(cl.method) && !m.Allows(cl.method) {
			return "", apierr.New(apierr.CodePermission, "isv.insufficient-user-permissions", "用户权限不足")
		}
	}
	if a, ok := g.Apps.Get(cl.owner()); ok {
		cl.openID = a.OpenID
	}
	return g.decrypt(cl)
}

// hold waits out a scenario's delay (wall clock, until the client gives
// up) and returns the transport fault the scenario wants, if any.
func hold(cl *call) string {
	if cl.plan == nil {
		return ""
	}
	if d := cl.plan.DelayFor(); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-cl.req.Context().Done():
		}
	}
	return cl.plan.Action.Fault
}
