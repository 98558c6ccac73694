package shared

import (
	"strings"

	"github.com/alipay-mock/alipay-mock/alipay"

	"github.com/labstack/echo/v4"
)

// PublicURL is the mock's base URL as browsers reach it, for the links it
// hands out (qr_code, the cashier, bill downloads): configured when
// --public-url is set, else the request's scheme and Host. The scheme is
// echo's reading (TLS, X-Forwarded-Proto and kin) cut to http or https,
// so a header cannot put another scheme in a link.
func PublicURL(configured string, c echo.Context) string {
	if configured != "" {
		return strings.TrimSuffix(configured, "/")
	}
	scheme := "http"
	if strings.EqualFold(c.Scheme(), "https") {
		scheme = "https"
	}
	return scheme + "://" + c.Request().Host
}

// QRCode is a precreate trade's qr_code: https://qr.alipay.com/<token> as
// in production when alipayHost (the mock then serves that host over TLS),
// else the mock's own QR page, PublicURL + /qr/<token>.
func QRCode(alipayHost bool, configured string, c echo.Context, token string) string {
	if alipayHost {
		return "https://" + alipay.QRHost + "/" + token
	}
	return PublicURL(configured, c) + "/qr/" + token
}
