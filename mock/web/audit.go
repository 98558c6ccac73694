package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/audit"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// auditView is the audit page: the form (filled again after a run), the
// catalogue, and the report of the run, if any.
type auditView struct {
	Form   audit.Request
	Apps   []string
	Probes []audit.Probe
	Report *audit.Report
	// Checked are the probes ticked in the form (all when none was).
	Checked map[string]bool
}

// auditPage shows the form to audit a notification handler.
func (d *Dashboard) auditPage(c echo.Context) error {
	form := audit.Request{AppID: strings.TrimSpace(c.QueryParam("app_id")), OutTradeNo: strings.TrimSpace(c.QueryParam("out_trade_no")),
		NotifyURL: strings.TrimSpace(c.QueryParam("notify_url"))}
	if form.AppID == "" {
		form.AppID = keys.DevAppID
	}
	return d.render(c, http.StatusOK, "dash_audit.html", "audit", "Audit a notification handler", "", d.auditView(form, nil))
}

func (d *Dashboard) auditView(form audit.Request, rep *audit.Report) auditView {
	v := auditView{Form: form, Apps: d.appIDs(form.AppID), Probes: audit.Catalogue(), Report: rep, Checked: map[string]bool{}}
	for _, p := range v.Probes {
		v.Checked[p.Name] = len(form.Probes) == 0
	}
	for _, p := range form.Probes {
		v.Checked[p] = true
	}
	return v
}

// auditRun runs the audit the form asks for and shows its report. Like
// the control API, it runs no command.
func (d *Dashboard) auditRun(c echo.Context) error {
	if d.Audit == nil {
		return d.fail(c, http.StatusNotFound, "this mock has no auditor")
	}
	form := audit.Request{NotifyURL: strings.TrimSpace(c.FormValue("notify_url")), AppID: strings.TrimSpace(c.FormValue("app_id")),
		OutTradeNo: strings.TrimSpace(c.FormValue("out_trade_no")), Amount: strings.TrimSpace(c.FormValue("amount")),
		Timeout: strings.TrimSpace(c.FormValue("timeout"))}
	if f, err := c.FormParams(); err == nil {
		form.Probes = f["probe"]
	}
	rep, err := d.Audit.Run(c.Request().Context(), form)
	switch {
	case errors.Is(err, audit.ErrBusy):
		return d.fail(c, http.StatusConflict, "another audit is running; one runs at a time")
	case errors.Is(err, audit.ErrInvalid):
		return d.fail(c, http.StatusBadRequest, err.Error())
	case errors.Is(err, trade.ErrNotFound):
		return d.fail(c, http.StatusNotFound, err.Error())
	case errors.Is(err, trade.ErrStore):
		return d.fail(c, http.StatusServiceUnavailable, err.Error()) // the store failed: not a bad form
	case err != nil:
		return d.fail(c, http.StatusBadRequest, err.Error())
	}
	flash := "No finding."
	if rep.Findings > 0 {
		flash = "Findings: see the probes marked below."
	}
	return d.render(c, http.StatusOK, "dash_audit.html", "audit", "Audit a notification handler", flash, d.auditView(form, rep))
}
