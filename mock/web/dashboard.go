package web

// The dashboard: server-rendered pages under /_mock/ui that show what the
// mock holds (trades, red packets, notifications, the request journal, the
// clock, the scenarios) and do the few things a person wants from a browser
// (resend a notification, move the clock, reset). Everything is readable
// without JavaScript; an optional script re-fetches the page every 2 s when
// "live" is ticked. Templates and assets are embedded: the mock runs offline.

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/journal"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/paging"
	"github.com/alipay-mock/alipay-mock/mock/shared"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// DashboardPrefix is where the dashboard lives, under the control API's
// reserved prefix.
const DashboardPrefix = "/_mock/ui"

// The dashboard's templates are its own set. They are also parsed into the
// cashier's set (its pattern is templates/*.html), so they define only
// names starting with "dash_" and call no function but the built-ins.
//
//go:embed templates/dash_*.html
var dashTemplateFS embed.FS

//go:embed static
var dashStaticFS embed.FS

var dashPages = template.Must(template.New("dash").ParseFS(dashTemplateFS, "templates/dash_*.html"))

// Dashboard is the browser dashboard. Every field but Faults is required.
type Dashboard struct {
	shared.Deps
	// Faults, when set, are listed on the overview and cleared by reset.
	Faults  *gateway.Queue
	Version string
	// PublicURL is the mock's base URL as browsers reach it (--public-url):
	// the links to buyer pages are under it, as qr_code is.
	PublicURL string

	mu      sync.Mutex
	seq     int
	reports []clockReport // what the last clock actions fired, newest last
}

// buyerPages is the base of the links to buyer pages: --public-url, path
// and all, else the site root.
func (d *Dashboard) buyerPages(c echo.Context) string {
	if d.PublicURL == "" {
		return ""
	}
	return shared.PublicURL(d.PublicURL, c)
}

// maxReports is how many clock reports are kept for Post/Redirect/Get.
const maxReports = 16

// maxFiredShown bounds the fired list shown on the clock page.
const maxFiredShown = 1000

// clockReport is what one clock action did, kept until maxReports newer
// ones push it out: the first maxFiredShown of what fired, and how many
// more fired.
type clockReport struct {
	ID     int
	Action string
	Fired  []clock.Fired
	More   int
}

// Register adds the dashboard's routes to g, the group at DashboardPrefix.
func (d *Dashboard) Register(g *echo.Group) {
	g.GET("", d.overview)
	g.GET("/", d.overview)
	g.GET("/static/:name", d.static)
	g.GET("/trades", d.trades)
	g.GET("/trades/:trade_no", d.trade)
	g.GET("/red-packets", d.redPackets)
	g.GET("/red-packets/:auth_no", d.redPacket)
	g.GET("/transfers", d.transfers)
	g.GET("/notifications", d.notifications)
	g.GET("/notifications/:id", d.notification)
	g.POST("/notifications/:id/resend", d.resend, d.sameOrigin)
	g.GET("/journal", d.journal)
	g.GET("/journal/:id", d.journalEntry)
	g.GET("/clock", d.clock)
	g.POST("/clock/advance", d.clockAdvance, d.sameOrigin)
	g.POST("/clock/next", d.clockNext, d.sameOrigin)
	g.POST("/clock/speed", d.clockSpeed, d.sameOrigin)
	g.POST("/clock/set", d.clockSet, d.sameOrigin)
	g.GET("/scenarios", d.scenarios)
	g.GET("/audit", d.auditPage)
	g.POST("/audit", d.auditRun, d.sameOrigin)
	g.POST("/reset", d.reset, d.sameOrigin)
	// What no route takes is Missing's (mock/routes.go makes a known
	// path's other methods 405 in its place).
	g.RouteNotFound("/*", d.Missing)
}

// ui is a path under the dashboard; segments are escaped.
func ui(segments ...string) string {
	p := DashboardPrefix
	for _, s := range segments {
		p += "/" + url.PathEscape(s)
	}
	return p
}

// withQuery appends the non-empty values as a query string.
func withQuery(p string, kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			v.Set(kv[i], kv[i+1])
		}
	}
	if len(v) == 0 {
		return p
	}
	return p + "?" + v.Encode()
}

// page is what every dashboard template gets.
type page struct {
	Title   string
	Active  string // the nav entry to mark
	Version string
	Clock   clockView
	Flash   string
	Data    any
}

func (d *Dashboard) render(c echo.Context, status int, name, active, title, flash string, data any) error {
	p := page{Title: title, Active: active, Version: d.Version, Clock: d.clockView(), Flash: flash, Data: data}
	var b bytes.Buffer
	if err := dashPages.ExecuteTemplate(&b, name, p); err != nil {
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		return c.HTML(http.StatusInternalServerError, "<!DOCTYPE html><title>alipay-mock dashboard</title><h1>Template error</h1><pre>"+
			template.HTMLEscapeString(err.Error())+"</pre>")
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.HTMLBlob(status, b.Bytes())
}

type errorView struct {
	Status  int
	Text    string
	Message string
}

// fail answers an HTML error page: 404 for unknown ids, 400 for bad input.
func (d *Dashboard) fail(c echo.Context, status int, msg string) error {
	return d.render(c, status, "dash_error.html", "", http.StatusText(status), "",
		errorView{Status: status, Text: http.StatusText(status), Message: msg})
}

// Error answers what no handler wrote (a body over the limit, a panic)
// with the dashboard's error page.
func (d *Dashboard) Error(c echo.Context, status int, err error) error {
	msg := ""
	if status < 500 && err != nil {
		msg = err.Error()
	}
	return d.fail(c, status, msg)
}

// Missing is the page of a path the dashboard does not have.
func (d *Dashboard) Missing(c echo.Context) error {
	return d.fail(c, http.StatusNotFound, "nothing at "+c.Request().URL.Path)
}

// sameOrigin guards the forms: a page on another site may not reset the
// mock or move its clock.
func (d *Dashboard) sameOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := shared.CheckSameOrigin(c.Request()); err != nil {
			return d.fail(c, http.StatusForbidden, "cross-origin form post refused: "+err.Error())
		}
		return next(c)
	}
}

// seeOther is the redirect of Post/Redirect/Get.
func seeOther(c echo.Context, to string) error { return c.Redirect(http.StatusSeeOther, to) }

// static serves the embedded stylesheet and script.
func (d *Dashboard) static(c echo.Context) error {
	name := c.Param("name")
	if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return d.Missing(c)
	}
	b, err := fs.ReadFile(dashStaticFS, "static/"+name)
	if err != nil {
		return d.Missing(c)
	}
	ct := "application/octet-stream"
	switch path.Ext(name) {
	case ".css":
		ct = "text/css; charset=utf-8"
	case ".js":
		ct = "text/javascript; charset=utf-8"
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
	return c.Blob(http.StatusOK, ct, b)
}

// pager is a list page's link to the next one, if any.
type pager struct {
	Next string
}

// newPager links the next page: this page's query with the cursor of
// where it stopped.
func newPager(c echo.Context, list string, next uint64) pager {
	if next == 0 {
		return pager{}
	}
	q := c.Request().URL.Query()
	q.Set("cursor", paging.Cursor(list, next))
	return pager{Next: c.Request().URL.Path + "?" + q.Encode()}
}

// ---- overview ----

func (d *Dashboard) overview(c echo.Context) error {
	flash := ""
	if c.QueryParam("reset") == "done" {
		flash = "Everything was reset: trades, red packets, balances and transfers, notifications, the journal, scenario states and counters."
	}
	return d.render(c, http.StatusOK, "dash_overview.html", "overview", "Overview", flash, d.overviewView())
}

// reset forgets every trade, red packet, notification and journal entry,
// and puts the scenarios back at their start, as POST /_mock/reset does;
// when the store failed to delete, an error page says what, not done.
func (d *Dashboard) reset(c echo.Context) error {
	if err := d.Reset(""); err != nil {
		return d.fail(c, http.StatusServiceUnavailable, "The reset did not finish: "+strings.ReplaceAll(err.Error(), "\n", "; ")+
			". Reset again once the store works.")
	}
	return seeOther(c, withQuery(DashboardPrefix, "reset", "done"))
}

// ---- trades ----

var tradeStatuses = []string{string(trade.WaitBuyerPay), string(trade.Success), string(trade.Closed), string(trade.Finished)}

func (d *Dashboard) trades(c echo.Context) error {
	f := filterView{AppID: strings.TrimSpace(c.QueryParam("app_id")), Status: strings.TrimSpace(c.QueryParam("status"))}
	if f.Status != "" && !contains(tradeStatuses, f.Status) {
		return d.fail(c, http.StatusBadRequest, "status "+strconv.Quote(f.Status)+" is not one of "+strings.Join(tradeStatuses, ", "))
	}
	f.Apps, f.Statuses = d.appIDs(f.AppID), tradeStatuses
	pg, err := paging.Query("ui-trades", c.Request().URL.RawQuery)
	if err != nil {
		return d.fail(c, http.StatusBadRequest, err.Error())
	}
	list, next, err := d.Trades.Page(trade.Filter{AppID: f.AppID, Status: trade.Status(f.Status)}, pg.After, pg.Limit, true)
	if err != nil {
		return d.fail(c, http.StatusServiceUnavailable, err.Error()) // the store failed: not an empty list
	}
	rows := make([]tradeRow, 0, len(list))
	for _, t := range list { // newest first
		rows = append(rows, newTradeRow(t))
	}
	return d.render(c, http.StatusOK, "dash_trades.html", "trades", "Trades", "",
		tradesView{Filter: f, Rows: rows, Page: newPager(c, "ui-trades", next)})
}

func (d *Dashboard) trade(c echo.Context) error {
	t, err := d.Trades.Get(c.QueryParam("app_id"), c.Param("trade_no"))
	switch {
	case errors.Is(err, trade.ErrNotFound):
		return d.fail(c, http.StatusNotFound, "no trade "+c.Param("trade_no"))
	case errors.Is(err, trade.ErrAmbiguous):
		return d.fail(c, http.StatusConflict, err.Error())
	case errors.Is(err, trade.ErrStore):
		return d.fail(c, http.StatusServiceUnavailable, err.Error())
	case err != nil:
		return d.fail(c, http.StatusBadRequest, err.Error())
	}
	notes := d.Notifier.Outbox().List(notify.Filter{AppID: t.AppID, TradeNo: t.TradeNo})
	return d.render(c, http.StatusOK, "dash_trade.html", "trades", "Trade "+t.TradeNo, "", d.tradeDetail(t, notes, d.buyerPages(c)))
}

// ---- red packets ----

var packetStatuses = []string{string(coupon.OrderInit), string(coupon.OrderAuthorized), string(coupon.OrderFinish), string(coupon.OrderClosed)}

func (d *Dashboard) redPackets(c echo.Context) error {
	f := filterView{AppID: strings.TrimSpace(c.QueryParam("app_id")), Status: strings.TrimSpace(c.QueryParam("status"))}
	if f.Status != "" && !contains(packetStatuses, f.Status) {
		return d.fail(c, http.StatusBadRequest, "status "+strconv.Quote(f.Status)+" is not one of "+strings.Join(packetStatuses, ", "))
	}
	f.Apps, f.Statuses = d.appIDs(f.AppID), packetStatuses
	pg, err := paging.Query("ui-red-packets", c.Request().URL.RawQuery)
	if err != nil {
		return d.fail(c, http.StatusBadRequest, err.Error())
	}
	list, next, err := d.Coupons.Page(f.AppID, coupon.OrderStatus(f.Status), pg.After, pg.Limit, true)
	if err != nil {
		return d.fail(c, http.StatusServiceUnavailable, err.Error()) // the store failed: not an empty list
	}
	rows := make([]packetRow, 0, len(list))
	for _, o := range list {
		rows = append(rows, newPacketRow(o))
	}
	return d.render(c, http.StatusOK, "dash_red_packets.html", "red-packets", "Red packets", "",
		packetsView{Filter: f, Rows: rows, Page: newPager(c, "ui-red-packets", next)})
}

func (d *Dashboard) redPacket(c echo.Context) error {
	o, err := d.Coupons.Get(c.QueryParam("app_id"), c.Param("auth_no"))
	switch {
	case errors.Is(err, coupon.ErrNotFound):
		return d.fail(c, http.StatusNotFound, "no red packet "+c.Param("auth_no"))
	case errors.Is(err, trade.ErrAmbiguous):
		return d.fail(c, http.StatusConflict, err.Error())
	case errors.Is(err, trade.ErrStore):
		return d.fail(c, http.StatusServiceUnavailable, err.Error())
	case err != nil:
		return d.fail(c, http.StatusBadRequest, err.Error())
	}
	var claims []coupon.Order
	if !o.Claim {
		claims = d.Coupons.Claims(o.AppID, o.AuthNo)
	}
	notes := d.Notifier.Outbox().List(notify.Filter{AppID: o.AppID, TradeNo: o.AuthNo})
	return d.render(c, http.StatusOK, "dash_red_packet.html", "red-packets", "Red packet "+o.AuthNo, "", packetDetail(o, claims, notes, d.buyerPages(c)))
}

// ---- transfers ----

func (d *Dashboard) transfers(c echo.Context) error {
	f := filterView{AppID: strings.TrimSpace(c.QueryParam("app_id"))}
	f.Apps = d.appIDs(f.AppID)
	pg, err := paging.Query("ui-transfers", c.Request().URL.RawQuery)
	if err != nil {
		return d.fail(c, http.StatusBadRequest, err.Error())
	}
	list, next, err := d.Fund.Page(f.AppID, pg.After, pg.Limit)
	if err != nil {
		return d.fail(c, http.StatusServiceUnavailable, err.Error()) // the store failed: not an empty list
	}
	v := transfersView{Filter: f, Rows: make([]transferRow, 0, len(list)), Page: newPager(c, "ui-transfers", next)}
	for _, t := range list {
		v.Rows = append(v.Rows, newTransferRow(t))
	}
	if _, ok := d.Apps.Get(f.AppID); ok {
		b, err := d.Fund.Balance(f.AppID)
		if err != nil {
			return d.fail(c, http.StatusServiceUnavailable, err.Error()) // the store failed: not the opening balance
		}
		v.Balance, v.Freeze = b.Available.String(), b.Freeze.String()
	}
	return d.render(c, http.StatusOK, "dash_transfers.html", "transfers", "Transfers", "", v)
}

// ---- notifications ----

var notifyStates = []string{string(notify.Pending), string(notify.Delivered), string(notify.GivenUp), string(notify.Suppressed)}

func (d *Dashboard) notifications(c echo.Context) error {
	f := filterView{AppID: strings.TrimSpace(c.QueryParam("app_id")), Status: strings.TrimSpace(c.QueryParam("state")),
		OutTradeNo: strings.TrimSpace(c.QueryParam("out_trade_no")), TradeNo: strings.TrimSpace(c.QueryParam("trade_no"))}
	if f.Status != "" && !contains(notifyStates, f.Status) {
		return d.fail(c, http.StatusBadRequest, "state "+strconv.Quote(f.Status)+" is not one of "+strings.Join(notifyStates, ", "))
	}
	f.Apps, f.Statuses = d.appIDs(f.AppID), notifyStates
	pg, err := paging.Query("ui-notifications", c.Request().URL.RawQuery)
	if err != nil {
		return d.fail(c, http.StatusBadRequest, err.Error())
	}
	list, next := d.Notifier.Outbox().Page(notify.Filter{AppID: f.AppID, OutTradeNo: f.OutTradeNo, TradeNo: f.TradeNo, State: notify.State(f.Status)},
		pg.After, pg.Limit, true)
	rows := make([]noteRow, 0, len(list))
	for _, n := range list {
		rows = append(rows, newNoteRow(n))
	}
	return d.render(c, http.StatusOK, "dash_notifications.html", "notifications", "Notifications", "",
		notesView{Filter: f, Rows: rows, Page: newPager(c, "ui-notifications", next)})
}

func (d *Dashboard) notification(c echo.Context) error {
	n, ok := d.Notifier.Outbox().Get(c.Param("id"))
	if !ok {
		return d.fail(c, http.StatusNotFound, "no notification "+c.Param("id"))
	}
	flash := ""
	if c.QueryParam("resent") == "1" && len(n.Attempts) > 0 {
		flash = "Resent: " + attemptSummary(n.Attempts[len(n.Attempts)-1])
	}
	return d.render(c, http.StatusOK, "dash_notification.html", "notifications", "Notification "+n.ID, flash, noteDetail(n))
}

// resend delivers a notification again now (the attempt runs before the
// redirect), then shows it: Post/Redirect/Get.
func (d *Dashboard) resend(c echo.Context) error {
	id := c.Param("id")
	if err := d.Notifier.Resend(id); err != nil {
		if !errors.Is(err, notify.ErrNoNotification) {
			return d.fail(c, http.StatusServiceUnavailable, err.Error())
		}
		return d.fail(c, http.StatusNotFound, "no notification "+id)
	}
	d.Sched.RunDueLimit(0)
	return seeOther(c, withQuery(ui("notifications", id), "resent", "1"))
}

// ---- journal ----

func (d *Dashboard) journal(c echo.Context) error {
	f := journalFilter{AppID: strings.TrimSpace(c.QueryParam("app_id")), Method: strings.TrimSpace(c.QueryParam("method"))}
	switch v := strings.ToLower(strings.TrimSpace(c.QueryParam("failed"))); v {
	case "", "false", "0", "off", "no":
	case "true", "1", "on", "yes":
		f.Failed = true
	default:
		return d.fail(c, http.StatusBadRequest, "failed is true or false, not "+strconv.Quote(c.QueryParam("failed")))
	}
	pg, err := paging.Query("ui-journal", c.Request().URL.RawQuery)
	if err != nil {
		return d.fail(c, http.StatusBadRequest, err.Error())
	}
	f.Limit = pg.Limit
	f.Apps = d.appIDs(f.AppID)
	list, next, err := d.Journal.Page(journal.Filter{AppID: f.AppID, Method: f.Method, Failed: f.Failed, Before: int(pg.After), Limit: f.Limit})
	if err != nil {
		return d.fail(c, http.StatusServiceUnavailable, err.Error()) // the shared store failed: not an empty journal
	}
	rows := make([]journalRow, 0, len(list))
	for _, e := range list {
		rows = append(rows, newJournalRow(e))
	}
	return d.render(c, http.StatusOK, "dash_journal.html", "journal", "Journal", "",
		journalView{Filter: f, Rows: rows, Page: newPager(c, "ui-journal", uint64(next))})
}

func (d *Dashboard) journalEntry(c echo.Context) error {
	id, err := strconv.Atoi(c.Param("id"))
	if err != nil {
		return d.fail(c, http.StatusNotFound, "no journal entry "+c.Param("id"))
	}
	e, ok, err := d.Journal.Get(id)
	if err != nil {
		return d.fail(c, http.StatusServiceUnavailable, err.Error())
	}
	if !ok {
		o := d.Journal.Options()
		return d.fail(c, http.StatusNotFound, "no journal entry "+c.Param("id")+" (the journal keeps the last "+strconv.Itoa(o.MaxEntries)+
			" entries, within "+strconv.FormatInt(o.MaxBytes>>20, 10)+" MiB)")
	}
	return d.render(c, http.StatusOK, "dash_journal_entry.html", "journal", "Journal entry "+strconv.Itoa(e.ID), "", d.journalDetail(e))
}

// ---- clock ----

func (d *Dashboard) clockView() clockView {
	st := d.Sched.Clock().State()
	v := clockView{Now: timestamp.Format(st.Now), Frozen: st.Frozen, Speed: strconv.FormatFloat(st.Speed, 'g', -1, 64),
		Wall: timestamp.Format(st.Wall), Pending: d.Sched.Pending()}
	switch off := st.WallOffset.Round(time.Second); {
	case off > 0:
		v.Offset = off.String() + " ahead of wall time"
	case off < 0:
		v.Offset = (-off).String() + " behind wall time"
	default:
		v.Offset, v.OnWall = "on wall time", true
	}
	if t, ok := d.Sched.NextDue(); ok {
		v.NextDue = timestamp.Format(t)
		if in := t.Sub(st.Now); in > 0 {
			v.NextDueIn = "in " + in.Round(time.Second).String()
		} else {
			v.NextDueIn = "due now"
		}
	}
	return v
}

func (d *Dashboard) clock(c echo.Context) error {
	v := clockPageView{Quick: []string{"4m", "10m", "1h", "2h", "6h", "15h", "25h"}}
	if r := c.QueryParam("report"); r != "" {
		id, _ := strconv.Atoi(r)
		rep, ok := d.report(id)
		if !ok {
			v.Expired = true
		} else {
			v.Report = newReportView(rep)
		}
	}
	upcoming, _ := d.Notifier.Outbox().Page(notify.Filter{State: notify.Pending}, 0, 50, false)
	for _, n := range upcoming {
		if n.NextAttempt != nil {
			v.Upcoming = append(v.Upcoming, newNoteRow(n))
		}
	}
	return d.render(c, http.StatusOK, "dash_clock.html", "clock", "Clock", "", v)
}

// keep stores a report and returns the URL showing it.
func (d *Dashboard) keep(action string, fired []clock.Fired, more int) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seq++
	d.reports = append(d.reports, clockReport{ID: d.seq, Action: action, Fired: fired, More: more})
	if len(d.reports) > maxReports {
		d.reports = append(d.reports[:0:0], d.reports[len(d.reports)-maxReports:]...)
	}
	return withQuery(ui("clock"), "report", strconv.Itoa(d.seq))
}

func (d *Dashboard) report(id int) (clockReport, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range d.reports {
		if r.ID == id {
			return r, true
		}
	}
	return clockReport{}, false
}

func (d *Dashboard) clockAdvance(c echo.Context) error {
	by := strings.TrimSpace(c.FormValue("by"))
	dur, err := time.ParseDuration(by)
	if by == "" || err != nil {
		return d.fail(c, http.StatusBadRequest, "by must be a positive duration such as 90s, 4m, 1h or 25h, not "+strconv.Quote(by))
	}
	from := d.Sched.Clock().Now()
	if err := clock.CheckAdvance(from, dur); err != nil {
		return d.fail(c, http.StatusBadRequest, err.Error())
	}
	fired, more, err := d.Sched.AdvanceLimit(dur, maxFiredShown)
	if err != nil {
		return d.fail(c, http.StatusServiceUnavailable, err.Error()) // the store did not take a move: the clock stopped before it
	}
	clock.LogChange(d.Log, "dashboard", "advance", d.Sched.Clock(), len(fired)+more)
	return seeOther(c, d.keep("advanced by "+dur.String()+" from "+timestamp.Format(from)+" to "+timestamp.Format(d.Sched.Clock().Now()), fired, more))
}

func (d *Dashboard) clockNext(c echo.Context) error {
	next, ok := d.Sched.NextDue()
	if !ok {
		return seeOther(c, d.keep("nothing pending: the clock did not move", nil, 0))
	}
	if err := clock.CheckNext(next); err != nil {
		return d.fail(c, http.StatusBadRequest, err.Error())
	}
	fired, more, err := d.Sched.AdvanceToNextLimit(maxFiredShown)
	if err != nil {
		return d.fail(c, http.StatusServiceUnavailable, err.Error()) // the store did not take the move: the clock did not move
	}
	clock.LogChange(d.Log, "dashboard", "advance", d.Sched.Clock(), len(fired)+more)
	return seeOther(c, d.keep("advanced to the next due job at "+timestamp.Format(next), fired, more))
}

func (d *Dashboard) clockSpeed(c echo.Context) error {
	s := strings.TrimSpace(c.FormValue("speed"))
	sp, err := strconv.ParseFloat(s, 64)
	if err == nil {
		err = clock.CheckSpeed(sp)
	}
	if err != nil {
		return d.fail(c, http.StatusBadRequest, "speed is a number from 0 (frozen) to "+strconv.Itoa(clock.MaxSpeed)+", not "+strconv.Quote(s))
	}
	if err := d.Sched.Clock().SetSpeed(sp); err != nil {
		return d.fail(c, http.StatusServiceUnavailable, err.Error()) // the store did not take it: the speed is unchanged
	}
	clock.LogChange(d.Log, "dashboard", "speed", d.Sched.Clock(), 0)
	action := "speed set to " + strconv.FormatFloat(sp, 'g', -1, 64)
	if sp == 0 {
		action = "clock frozen: it moves only when advanced"
	}
	return seeOther(c, d.keep(action, nil, 0))
}

// clockSet sets the reading, or with wall=1 puts the clock back on wall
// time at wall speed.
func (d *Dashboard) clockSet(c echo.Context) error {
	clk := d.Sched.Clock()
	if c.FormValue("wall") != "" {
		one := 1.0
		if err := clk.Change(clock.Change{Wall: true, Speed: &one}); err != nil {
			return d.fail(c, http.StatusServiceUnavailable, err.Error()) // the store did not take it: the clock did not move
		}
		t := clk.Now()
		fired, more := d.Sched.RunDueLimit(maxFiredShown)
		clock.LogChange(d.Log, "dashboard", "wall+speed", clk, len(fired)+more)
		return seeOther(c, d.keep("clock back on wall time at "+timestamp.Format(t)+", speed 1", fired, more))
	}
	s := strings.TrimSpace(c.FormValue("at"))
	t, err := timestamp.Parse(s)
	if err != nil {
		return d.fail(c, http.StatusBadRequest, "at is a GMT+8 time yyyy-MM-dd HH:mm:ss, not "+strconv.Quote(s))
	}
	if err := clock.CheckReading(t); err != nil {
		return d.fail(c, http.StatusBadRequest, err.Error())
	}
	if err := clk.Set(t); err != nil {
		return d.fail(c, http.StatusServiceUnavailable, err.Error()) // the store did not take it: the clock did not move
	}
	// Jobs now in the past are due: run them, as the scheduler's loop would.
	fired, more := d.Sched.RunDueLimit(maxFiredShown)
	clock.LogChange(d.Log, "dashboard", "set", clk, len(fired)+more)
	return seeOther(c, d.keep("clock set to "+timestamp.Format(t), fired, more))
}

// ---- scenarios ----

func (d *Dashboard) scenarios(c echo.Context) error {
	return d.render(c, http.StatusOK, "dash_scenarios.html", "scenarios", "Scenarios", "", scopesView(d.Scenarios.List()))
}

// appIDs lists the registered apps for the filter forms, with the
// current filter value even when no app has it.
func (d *Dashboard) appIDs(current string) []string {
	var out []string
	for _, a := range d.Apps.All() {
		out = append(out, a.AppID)
	}
	if current != "" && !contains(out, current) {
		out = append(out, current)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
