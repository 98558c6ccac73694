package shared

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// What a browser says about where a request came from, read in one place
// for every surface. Clients that are not browsers (curl, SDKs, the bundled
// client, Node's fetch) send neither Sec-Fetch-Site nor Origin, and pass
// both checks.

var crossOrigin = http.NewCrossOriginProtection()

// CheckSameOrigin is the control API's and the dashboard's rule for a
// state-changing request: net/http's CrossOriginProtection, which refuses
// Sec-Fetch-Site other than same-origin or none and, from browsers without
// that header, an Origin that does not match Host. GET, HEAD and OPTIONS
// pass.
func CheckSameOrigin(r *http.Request) error { return crossOrigin.Check(r) }

// CrossSite reports whether a browser sent r from a page on another site,
// whatever the HTTP method: Sec-Fetch-Site: cross-site. A page on another
// port or scheme of the same host (the tester's app on localhost:3000) is
// same-site and passes, as do a typed URL or bookmark (none). From a
// browser that sends no Sec-Fetch-Site (Safari before 16.4), an Origin
// whose host name is not Host's, or the opaque "null", counts as cross-site;
// such a browser's cross-site GET carries no Origin and passes.
func CrossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site":
		return true
	case "":
	default: // same-origin, same-site, none
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" { // "null" and anything unreadable
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return !strings.EqualFold(strings.Trim(u.Hostname(), "."), strings.Trim(strings.Trim(host, "[]"), "."))
}
