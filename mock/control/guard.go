package control

import (
	"crypto/subtle"
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// TokenHeader carries the control token (or Authorization: Bearer <token>).
const TokenHeader = "X-Alipay-Mock-Token"

// Guard keeps the control API and dashboard (everything under Prefix) to
// loopback clients, or to clients that show the token when one is set. A
// browser can pass ?token= once; it is then kept in a cookie. The peer
// address is the TCP one: X-Forwarded-For is not trusted.
func Guard(token string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if !strings.HasPrefix(r.URL.Path, Prefix+"/") && r.URL.Path != Prefix {
				return next(c)
			}
			if loopback(r.RemoteAddr) {
				return next(c)
			}
			if token == "" {
				return c.JSON(http.StatusForbidden, Error{Error: "the control API answers loopback clients only; start the mock with --control-token (ALIPAY_MOCK_CONTROL_TOKEN) and send " + TokenHeader + " or Authorization: Bearer <token>"})
			}
			given := r.Header.Get(TokenHeader)
			if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && given == "" {
				given = b
			}
			if given == "" {
				if ck, err := r.Cookie("alipay_mock_token"); err == nil {
					given = ck.Value
				}
			}
			if q := r.URL.Query().Get("token"); q != "" && given == "" {
				given = q
				if subtle.ConstantTimeCompare([]byte(q), []byte(token)) == 1 {
					c.SetCookie(&http.Cookie{Name: "alipay_mock_token", Value: q, Path: Prefix, HttpOnly: true, SameSite: http.SameSiteStrictMode})
				}
			}
			if subtle.ConstantTimeCompare([]byte(given), []byte(token)) != 1 {
				return c.JSON(http.StatusUnauthorized, Error{Error: "wrong or missing control token"})
			}
			return next(c)
		}
	}
}

func loopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
