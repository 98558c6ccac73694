package control

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/mock/audit"
)

// maxAuditBytes bounds the body of POST /_mock/audit: a URL, two ids and
// a list of probe names.
const maxAuditBytes = 16 << 10

// runAudit sends the merchant's notify_url the audit's probes and answers
// the report (200 whatever it found). It runs no command: the merchant's
// state is checked by the CLI's --check, on the caller's machine.
func (a *API) runAudit(c echo.Context) error {
	r := c.Request()
	if err := jsonBody(r); err != nil {
		return fail(c, http.StatusUnsupportedMediaType, err)
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, maxAuditBytes))
	if err != nil {
		return fail(c, http.StatusRequestEntityTooLarge, fmt.Errorf("body over %d KiB", maxAuditBytes>>10))
	}
	var in audit.Request
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a "check" command is refused, not ignored
	if err := dec.Decode(&in); err != nil {
		return fail(c, http.StatusBadRequest, fmt.Errorf("body must be JSON: {\"notify_url\":…,\"app_id\":…,\"out_trade_no\":…} (amount, probes and timeout optional; the control API runs no check command): %v", err))
	}
	rep, err := a.Audit.Run(r.Context(), in)
	switch {
	case err == nil:
		return c.JSON(http.StatusOK, rep)
	case errors.Is(err, audit.ErrBusy):
		return fail(c, http.StatusConflict, errors.New("another audit is running; one runs at a time"))
	case errors.Is(err, audit.ErrInvalid):
		return fail(c, http.StatusBadRequest, err)
	}
	return a.tradeError(c, err) // no such trade: 404
}

// auditProbes lists the probes an audit runs.
func (a *API) auditProbes(c echo.Context) error { return c.JSON(http.StatusOK, audit.Catalogue()) }
