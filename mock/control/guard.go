package control

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/alipay"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/shared"
)

// TokenHeader carries the control token (or Authorization: Bearer <token>).
const TokenHeader = "X-Alipay-Mock-Token"

// BrowserHeader is the custom header a page on the mock's own origin may
// send instead of a JSON body to show that it is not a cross-site form or
// a simple request another site can make.
const BrowserHeader = "X-Alipay-Mock"

// GuardOptions say who may use the control API and the dashboard.
type GuardOptions struct {
	// Token, when set, opens them to any client that shows it.
	Token string
	// AllowedHosts are Host header values (shared.CheckAllowed: a name,
	// *.domain, host:port or *.domain:port)
	// accepted besides loopback names and addresses, e.g. a Docker service
	// name.
	AllowedHosts []string
	// PublicURL is the mock's base URL as browsers see it; its host is
	// allowed.
	PublicURL string
}

// CleanToken is a control token as the mock takes it: without the
// spaces, tabs, CRs and LFs around it (a token read from a file or a
// Kubernetes Secret ends in a newline, which no header can carry). A token
// that is only whitespace, that is not UTF-8 or that holds a control
// character is refused: no client could send it.
func CleanToken(t string) (string, error) {
	clean := strings.Trim(t, " \t\r\n")
	switch {
	case t != "" && clean == "":
		return "", errors.New("--control-token is only whitespace")
	case !utf8.ValidString(clean):
		return "", errors.New("--control-token is not UTF-8 text")
	case strings.ContainsFunc(clean, unicode.IsControl):
		return "", errors.New("--control-token holds a control character (a tab, newline or other): no HTTP header can carry it; use printable characters")
	}
	return clean, nil
}

// CheckAllowedHost reports whether an --allowed-host value is a host name,
// *.domain (two labels or more), IP address, host:port or *.domain:port,
// and nothing else (shared.CheckAllowed).
func CheckAllowedHost(h string) error {
	if h == "*" {
		return errors.New("--allowed-host \"*\" would turn the DNS-rebinding guard off; name the hosts, or give clients the --control-token")
	}
	if h == "" || strings.ContainsAny(h, "/?#@ \t") {
		return fmt.Errorf("--allowed-host %q: want a host name, *.domain or host:port (no scheme or path)", h)
	}
	if err := shared.CheckAllowed(h); err != nil {
		return fmt.Errorf("--allowed-host %q: %v", h, err)
	}
	if alipay.IsAlipayHost(strings.TrimPrefix(h, "*.")) {
		return fmt.Errorf("--allowed-host %q: Alipay's host names serve only the gateway, v3 and the buyer pages, never the control API or dashboard", h)
	}
	return nil
}

// The guards are middleware for the route groups of the mock's surfaces;
// each group takes the ones that apply to it:
//
//   - RefuseOwnRequests: the control API, the dashboard, the buyer pages.
//   - Guard: the control API and the dashboard.
//   - SameOrigin: the control API (the dashboard's forms have their own
//     check, web.Dashboard).

// RefuseOwnRequests refuses requests the mock made itself (notifications,
// carrying notify.MarkerHeader), whatever URL they were sent to: a
// notify_url is chosen by whoever signs a request, and the notifier
// connects from loopback, so it must not drive the mock.
func RefuseOwnRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Header.Get(notify.MarkerHeader) != "" {
			return c.JSON(http.StatusForbidden, Error{Error: "alipay-mock does not act on requests it made itself: a notify_url that points at the mock's control API or buyer pages is refused"})
		}
		return next(c)
	}
}

// Guard decides who reaches the control API and the dashboard:
//
//  0. Never on an Alipay host name (alipay.IsAlipayHost): with TLS those
//     names reach the mock for apps, which must get only what Alipay
//     serves there, token or not.
//  1. A client that shows the token passes.
//  2. Otherwise the Host must be a loopback name or address, the
//     --public-url host or an --allowed-host: a page on another name that
//     resolves to 127.0.0.1 (DNS rebinding) gets 403.
//  3. Otherwise the client must be loopback (notLocal): the TCP peer, and
//     every client a proxy's header names. A header never makes a client
//     loopback; one naming another address makes it not (a local reverse
//     proxy relays the network's clients from loopback).
//
// A browser can pass ?token= once; it is then kept in a cookie.
func Guard(o GuardOptions) echo.MiddlewareFunc {
	hosts := shared.NewHosts(o.PublicURL, o.AllowedHosts)
	cookie := cookieValue(o.Token)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if alipay.IsAlipayHost(r.Host) {
				return c.JSON(http.StatusForbidden, Error{Error: fmt.Sprintf("Host %q is an Alipay host name: it serves the gateway, v3 and the buyer pages only; "+
					"reach the control API and dashboard through the mock's own address (for example http://127.0.0.1:8080)", r.Host)})
			}
			if o.Token != "" && showsToken(c, o.Token, cookie) {
				return next(c)
			}
			if !hosts.Allows(r.Host) {
				return c.JSON(http.StatusForbidden, Error{Error: fmt.Sprintf("Host %q is not allowed for the control API and dashboard (a guard against DNS rebinding); "+
					"they answer loopback names and addresses and the --public-url host: start the mock with --allowed-host NAME (ALIPAY_MOCK_ALLOWED_HOST), or send the control token", r.Host)})
			}
			if why := notLocal(r); why != "" {
				if o.Token == "" {
					return c.JSON(http.StatusForbidden, Error{Error: "the control API answers loopback clients only, and " + why +
						"; start the mock with --control-token (ALIPAY_MOCK_CONTROL_TOKEN) and send " + TokenHeader + " or Authorization: Bearer <token>"})
				}
				// RFC 9110 §15.5.2: a 401 names its challenge.
				c.Response().Header().Set("WWW-Authenticate", `Bearer realm="alipay-mock"`)
				return c.JSON(http.StatusUnauthorized, Error{Error: "wrong or missing control token (" + why + ")"})
			}
			return next(c)
		}
	}
}

// SameOrigin refuses a state-changing request from a browser unless it
// comes from the mock's own origin (Sec-Fetch-Site, Origin) and carries a
// JSON (or YAML) body or BrowserHeader, which other sites cannot send
// without a CORS preflight the mock never grants.
func SameOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := fromOwnOrigin(c.Request()); err != nil {
			return c.JSON(http.StatusForbidden, Error{Error: err.Error()})
		}
		return next(c)
	}
}

// ReadableQuery refuses, with 400, a state-changing request (any method
// but GET and HEAD) whose query does not parse, or names app_id empty or
// more than once (appScope): each would read as no app_id, so a clear or
// reset meant for one app would reach every app. net/url drops a pair
// that does not unescape (app_id=%zz) or holds a semicolon.
func ReadableQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			return next(c)
		}
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return c.JSON(http.StatusBadRequest, Error{Error: "the query does not parse (" + err.Error() + "): escape its values (a % as %25, a ; as %3B); nothing was done"})
		}
		if err := appScope(q); err != nil {
			return c.JSON(http.StatusBadRequest, Error{Error: err.Error()})
		}
		for _, k := range slices.Sorted(maps.Keys(q)) {
			err := storableText("the query's parameter name "+strconv.Quote(k), k)
			for _, v := range q[k] {
				if err == nil {
					err = storableText("the query's "+k, v)
				}
			}
			if err != nil {
				return c.JSON(http.StatusBadRequest, Error{Error: err.Error()})
			}
		}
		return next(c)
	}
}

// storableText refuses control-API text holding a NUL or bytes that are
// not UTF-8, naming what: no field takes either, and the database under
// --store keeps neither (jsonb, text), so every mode answers the same 400
// instead of a store failure. Query values (ReadableQuery) and JSON
// bodies' strings (checkJSONText) are checked as they are read.
func storableText(what, s string) error {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return fmt.Errorf("%s holds a NUL character, which no field takes; nothing was done", what)
	case !utf8.ValidString(s):
		return fmt.Errorf("%s is not UTF-8 text; nothing was done", what)
	}
	return nil
}

// appScope refuses an app_id that is given but empty (?app_id=, a
// script's unset variable) or given more than once: a call scoped by it
// (reset, the clears, scenarios) would take either as every app's.
func appScope(q url.Values) error {
	v, ok := q["app_id"]
	switch {
	case !ok:
		return nil
	case len(v) > 1:
		return errors.New("app_id is given more than once: give it once, or leave it out for every app; nothing was done")
	case v[0] == "":
		return errors.New("app_id is empty: give an app's, or leave it out for every app; nothing was done")
	}
	return nil
}

// tokenCookie is the cookie a browser keeps after /_mock/ui?token=.
const tokenCookie = "alipay_mock_token"

// cookieValue is what the cookie holds: the token's SHA-256 in hex, which
// a cookie carries whatever bytes the token has (net/http drops those a
// cookie cannot hold: ';', '"', '\', spaces, non-ASCII).
func cookieValue(token string) string {
	sum := sha256.Sum256([]byte("alipay-mock control token cookie\x00" + token))
	return hex.EncodeToString(sum[:])
}

// showsToken reports whether the request carries the token in a header,
// ?token= (which then sets the cookie) or the cookie. Each source given is
// tried, so a stale cookie does not hide a right ?token=.
func showsToken(c echo.Context, token, cookie string) bool {
	r := c.Request()
	if equal(r.Header.Get(TokenHeader), token) || equal(bearer(r.Header.Get("Authorization")), token) {
		return true
	}
	if equal(r.URL.Query().Get("token"), token) {
		// Secure over HTTPS (--tls, or a proxy's X-Forwarded-Proto as
		// echo reads it), so the browser never sends it over plain http.
		c.SetCookie(&http.Cookie{Name: tokenCookie, Value: cookie, Path: Prefix, HttpOnly: true, SameSite: http.SameSiteStrictMode,
			Secure: strings.EqualFold(c.Scheme(), "https")})
		return true
	}
	for _, ck := range r.CookiesNamed(tokenCookie) {
		if equal(ck.Value, cookie) {
			return true
		}
	}
	return false
}

// bearer is the credentials of Authorization: Bearer <token>; the scheme
// is case-insensitive (RFC 9110 §11.1).
func bearer(auth string) string {
	scheme, cred, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimLeft(cred, " ")
}

// equal compares a credential given with what it must be in constant time;
// nothing given is never equal.
func equal(given, want string) bool {
	return given != "" && subtle.ConstantTimeCompare([]byte(given), []byte(want)) == 1
}

// notLocal says why r's client is not on the mock's machine, or "" when it
// is: the TCP peer is a loopback address, and the request names no other
// client. A proxy on the mock's machine connects from loopback for every
// client it relays, so a request that carries Via, or Forwarded,
// X-Forwarded-For or X-Real-IP naming anything but a loopback address
// (another address, "unknown", an obfuscated name, or no for= at all), is
// not local. Nothing in a header makes a client local: a client that
// forges them only locks itself out. A proxy that adds none of these
// (nginx by default) or a sidecar mesh (Istio delivers from 127.0.0.6)
// cannot be told apart from a local client: docs/security.md.
func notLocal(r *http.Request) string {
	if !loopbackNode(r.RemoteAddr) {
		return fmt.Sprintf("the peer %s is not loopback", cut(r.RemoteAddr))
	}
	if v := r.Header.Get("Via"); v != "" {
		return fmt.Sprintf("the request came through a proxy (Via: %s)", cut(v))
	}
	for _, name := range []string{"X-Forwarded-For", "X-Real-Ip"} {
		for _, line := range r.Header.Values(name) {
			for _, node := range strings.Split(line, ",") {
				if node = strings.TrimSpace(node); node != "" && !loopbackNode(node) {
					return fmt.Sprintf("the request came through a proxy (%s names %s)", name, cut(node))
				}
			}
		}
	}
	for _, line := range r.Header.Values("Forwarded") {
		for _, elem := range strings.Split(line, ",") {
			if strings.TrimSpace(elem) == "" {
				continue
			}
			node, named := "", false
			for _, pair := range strings.Split(elem, ";") {
				if k, v, ok := strings.Cut(strings.TrimSpace(pair), "="); ok && strings.EqualFold(k, "for") {
					node, named = strings.Trim(v, `"`), true
				}
			}
			if !named || !loopbackNode(node) {
				return fmt.Sprintf("the request came through a proxy (Forwarded: %s)", cut(strings.TrimSpace(elem)))
			}
		}
	}
	return ""
}

// loopbackNode reports whether an address, with or without a port (IPv6
// in brackets), is a loopback IP address.
func loopbackNode(node string) bool {
	host, _, err := net.SplitHostPort(node)
	if err != nil {
		host = node
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// cut keeps an error message short whatever a header held.
func cut(s string) string {
	if len(s) > 64 {
		return strings.ToValidUTF8(s[:64], "") + "…"
	}
	return s
}

// fromOwnOrigin refuses a state-changing request a browser sent from
// another origin, or that another origin could have sent without a CORS
// preflight (a form, or fetch with a simple body). Clients that are not
// browsers send neither Origin nor Sec-Fetch-Site and pass: curl, SDKs,
// the bundled client, Node's fetch (which sends only Sec-Fetch-Mode).
func fromOwnOrigin(r *http.Request) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if err := shared.CheckSameOrigin(r); err != nil {
		return fmt.Errorf("cross-origin request refused: %v; the control API acts only for pages on its own origin", err)
	}
	if r.Header.Get("Origin") == "" && r.Header.Get("Sec-Fetch-Site") == "" {
		return nil
	}
	if r.Header.Get(BrowserHeader) != "" || r.Header.Get(TokenHeader) != "" || r.Header.Get("Authorization") != "" {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml":
		return nil
	}
	return errors.New("a browser's request to the control API must send Content-Type: application/json (YAML for scenarios) or the header " + BrowserHeader + ": 1, which another site's page cannot send without the mock's consent")
}
