package mock

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/mock/web"
)

// StrictCSP is the Content-Security-Policy of every answer that is not a
// page meant for a browser (gateway.do, v3, the control API, bills). The
// gateway answers text/html as production does; sandbox and no sources
// mean that a body opened in a browser, whatever request text it echoes,
// runs no script, loads nothing, and has no origin to act for.
const StrictCSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"

// securityHeaders sets the browser-facing headers of every answer, before
// any handler (or guard) can write: nosniff, a referrer policy that keeps
// the mock's URLs (which carry trade numbers and buyer-page tokens) from
// other sites, and the strict CSP with framing denied. The surfaces whose
// answers are pages for a browser replace the last two (see routes).
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// As h.Set would, but the four values share one allocation (each
		// its own capacity-1 slice, so appending to one cannot touch the
		// next). The names are canonical already.
		h := c.Response().Header()
		v := &[4]string{"nosniff", "same-origin", StrictCSP, "DENY"}
		h["X-Content-Type-Options"] = v[0:1:1]
		h["Referrer-Policy"] = v[1:2:2]
		h["Content-Security-Policy"] = v[2:3:3]
		h["X-Frame-Options"] = v[3:4:4]
		return next(c)
	}
}

// controlHeaders keep other sites from loading the control API's answers.
func controlHeaders(h http.Header) { h.Set("Cross-Origin-Resource-Policy", "same-origin") }

// dashboardHeaders let the dashboard load its own script and stylesheet,
// and nothing else, and keep other sites from loading its pages.
func dashboardHeaders(h http.Header) {
	h.Set("Content-Security-Policy", web.DashboardCSP)
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}

// pageHeaders let the buyer pages work (web.PageCSP) and be framed, as
// production's QR page can be (qr_pay_mode 4).
func pageHeaders(h http.Header) {
	h.Set("Content-Security-Policy", web.PageCSP)
	h.Del("X-Frame-Options")
}

// signInHeaders let the authorisation page work (web.SignInCSP) and keep
// it from being framed.
func signInHeaders(h http.Header) { h.Set("Content-Security-Policy", web.SignInCSP) }
