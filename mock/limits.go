package mock

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
)

// Body limits of the surfaces that have none of their own: gateway.do and
// v3 answer an oversized body with Alipay's error themselves. The control
// API's largest body is a scenario file (1 MiB); a buyer page posts a
// button and two short fields.
const (
	MaxControlBody = 2 << 20
	MaxPageBody    = 64 << 10
)

// limitBody refuses a declared body over limit with 413 and cuts off a
// chunked one there, so no form or JSON parser reads more (echo's form
// parsing would otherwise spool up to 32 MB of multipart to memory and the
// rest to temporary files, from any host on the buyer pages).
func limitBody(limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.ContentLength > limit {
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", limit))
			}
			if req.Body != nil {
				req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
			}
			return next(c)
		}
	}
}
