package mock

import (
	"fmt"
	"net/http"
	"time"

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

// DefaultWriteTimeout bounds the writing of a bill download's, the
// control API's and the dashboard's answers, from their first byte: a
// client that stops reading a large answer (a bill's zip, a page of 1,000
// trades) is cut off then, instead of holding its goroutine and the
// answer's bytes for ever. Two minutes write a 64 MiB bill at 560 KB/s.
const DefaultWriteTimeout = 2 * time.Minute

// writeDeadline sets the connection's write deadline d after the answer's
// first byte (so a long poll's wait does not count); net/http clears it
// when the request ends.
func writeDeadline(d time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			rc := http.NewResponseController(c.Response())
			c.Response().Before(func() { _ = rc.SetWriteDeadline(time.Now().Add(d)) }) // ErrNotSupported: no deadline
			return next(c)
		}
	}
}
