package mock

import (
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/mock/control"
	"github.com/alipay-mock/alipay-mock/mock/web"
)

// StrictCSP is the Content-Security-Policy of every answer that is not a
// page meant for a browser (gateway.do, v3, the control API, bills). The
// gateway answers text/html as production does; sandbox and no sources
// mean that a body opened in a browser, whatever request text it echoes,
// runs no script, loads nothing, and has no origin to act for.
const StrictCSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"

// securityHeaders sets the browser-facing headers on every answer, before
// any handler (or guard) can write: nosniff everywhere, a referrer policy
// that keeps the mock's URLs (which carry trade numbers and buyer-page
// tokens) from other sites, and a CSP by surface.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		switch p := c.Request().URL.Path; {
		case p == web.DashboardPrefix || strings.HasPrefix(p, web.DashboardPrefix+"/"):
			h.Set("Content-Security-Policy", web.DashboardCSP)
			h.Set("X-Frame-Options", "DENY")
			h.Set("Cross-Origin-Resource-Policy", "same-origin")
		case strings.HasPrefix(p, "/cashier/") || strings.HasPrefix(p, "/qr/"):
			h.Set("Content-Security-Policy", web.PageCSP)
		default:
			h.Set("Content-Security-Policy", StrictCSP)
			h.Set("X-Frame-Options", "DENY")
			if p == control.Prefix || strings.HasPrefix(p, control.Prefix+"/") {
				h.Set("Cross-Origin-Resource-Policy", "same-origin")
			}
		}
		return next(c)
	}
}
