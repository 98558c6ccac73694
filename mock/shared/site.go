package shared

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/alipay-mock/alipay-mock/alipay"
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
// browser that sends no Sec-Fetch-Site, an Origin whose host name is not
// Host's, or the opaque "null", counts as cross-site; such a browser's GET
// carries no Origin and passes here (see Hosts.BrowserCall).
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

// Hosts are the Host header values that name the mock (the control API's
// guard against DNS rebinding, and the gateway's for browser calls): a
// loopback name or address, the --public-url host, an --allowed-host.
// The zero value allows loopback names and addresses only.
type Hosts struct {
	names    map[string]bool // host names, lower case, any port
	suffixes []suffix        // from *.domain and *.domain:port entries
	exact    map[string]bool // host:port entries
}

// suffix is a *.domain entry: ".domain", and a port when one was given.
type suffix struct{ dot, port string }

// allowed is one --allowed-host entry, read: a *.domain wildcard (dot is
// ".domain"), or a host with or without a port.
type allowed struct{ dot, host, port string }

// parseAllowed reads an --allowed-host entry: a host name, an IP address
// (IPv6 in brackets with a port), *.domain, host:port or *.domain:port. A
// wildcard needs a suffix of two labels or more: "*." (what "*.$DOMAIN"
// becomes with DOMAIN unset) would match every Host and "*.com" every name
// anyone can register, and either would switch the DNS-rebinding guard
// off.
func parseAllowed(h string) (allowed, error) {
	h = strings.ToLower(strings.TrimSpace(h))
	var a allowed
	if strings.Contains(h, ",") { // a command-line value is one entry, commas and all
		return a, errors.New("one host a value (no host name has a comma): repeat the flag for each")
	}
	if hasPort(h) {
		host, port, _ := net.SplitHostPort(h)
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return a, fmt.Errorf("port %q is not a port number", port)
		}
		h, a.port = host, port
	}
	if rest, ok := strings.CutPrefix(h, "*."); ok {
		rest = strings.TrimSuffix(rest, ".")
		if rest == "" {
			return a, errors.New("*. would match every Host (it is what *.$DOMAIN becomes with DOMAIN unset) and switch the DNS-rebinding guard off; name the hosts or a domain")
		}
		labels := strings.Split(rest, ".")
		if strings.Contains(rest, "*") || slices.Contains(labels, "") {
			return a, errors.New("a wildcard is *.domain: *. followed by a domain name, as *.svc.example")
		}
		if len(labels) < 2 {
			return a, fmt.Errorf("*.%s would match every name under %q, which anyone can register: it would switch the DNS-rebinding guard off; name the hosts, or a domain of two labels or more", rest, rest)
		}
		if publicSuffixes[rest] {
			return a, fmt.Errorf("*.%s would match every name under %q, a public suffix anyone can register names under: it would switch the DNS-rebinding guard off; name the hosts, or a domain you own", rest, rest)
		}
		a.dot = "." + rest
		return a, nil
	}
	if strings.Contains(h, "*") {
		return a, errors.New("only a leading *. is a wildcard (*.domain)")
	}
	a.host = normalHost(strings.Trim(h, "[]"))
	if a.host == "" {
		return a, errors.New("no host name")
	}
	return a, nil
}

// publicSuffixes are common public suffixes of two labels or more
// (https://publicsuffix.org/list/): a wildcard under one matches names
// anyone can register. The list is short and not exhaustive
// (docs/security.md).
var publicSuffixes = map[string]bool{
	"com.cn": true, "net.cn": true, "org.cn": true, "gov.cn": true, "edu.cn": true,
	"com.hk": true, "com.tw": true, "co.uk": true, "org.uk": true, "co.jp": true,
	"co.kr": true, "com.au": true, "co.nz": true, "com.br": true,
	"github.io": true, "herokuapp.com": true, "vercel.app": true, "netlify.app": true,
	"pages.dev": true, "workers.dev": true, "appspot.com": true, "azurewebsites.net": true,
}

// CheckAllowed reports why an --allowed-host entry cannot be read, if it
// cannot (see parseAllowed).
func CheckAllowed(h string) error {
	_, err := parseAllowed(h)
	return err
}

// NewHosts is the allow-list of the public URL's host and the allowed
// hosts (a name, *.domain, an IP address or host:port, *.domain:port).
// Entries CheckAllowed refuses are left out.
func NewHosts(publicURL string, allowedHosts []string) Hosts {
	l := Hosts{names: map[string]bool{}, exact: map[string]bool{}}
	if u, err := url.Parse(publicURL); err == nil && u.Hostname() != "" {
		l.names[normalHost(u.Hostname())] = true
	}
	for _, h := range allowedHosts {
		a, err := parseAllowed(h)
		switch {
		case err != nil:
		case a.dot != "":
			l.suffixes = append(l.suffixes, suffix{a.dot, a.port})
		case a.port != "":
			l.exact[net.JoinHostPort(a.host, a.port)] = true
		default:
			l.names[a.host] = true
		}
	}
	return l
}

func hasPort(h string) bool {
	_, port, err := net.SplitHostPort(h)
	return err == nil && port != ""
}

// normalHost lower-cases a host name and drops a final dot.
func normalHost(h string) string { return strings.TrimSuffix(strings.ToLower(h), ".") }

// Allows reports whether a Host header value names the mock: a loopback
// name or address, or one the list allows. An entry with a port matches
// that port only, and a Host without a port matches none.
func (l Hosts) Allows(hostport string) bool {
	host, port := hostport, ""
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		host, port = h, p
	}
	host = normalHost(strings.Trim(host, "[]"))
	if host == "" {
		return false
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return true
	}
	if l.names[host] || (port != "" && l.exact[net.JoinHostPort(host, port)]) {
		return true
	}
	for _, s := range l.suffixes {
		if strings.HasSuffix(host, s.dot) && (s.port == "" || s.port == port) {
			return true
		}
	}
	return false
}

// Refusal is why Hosts.BrowserCall turns a browser's call away.
type Refusal int

const (
	// Accepted: not a browser, or a browser on one of the mock's pages or a
	// page of the same site.
	Accepted Refusal = iota
	// FromAnotherSite: CrossSite.
	FromAnotherSite
	// UnknownHost: a browser's page under a Host that is none of the mock's
	// names nor Alipay's, as after DNS rebinding.
	UnknownHost
	// Unmarked: a browser's GET or HEAD that names no page at all (neither
	// Sec-Fetch-Site nor Origin).
	Unmarked
)

// BrowserCall is the gateway's rule for a call of a method that is not a
// page method. Browsers send Sec-Fetch-* only to potentially trustworthy
// URLs (https, loopback; https://www.w3.org/TR/fetch-metadata/), so on
// plain http under any other name (a LAN address, a Docker service name,
// an http --public-url, a rebound evil.example) they send none, and a GET
// (an image, a link, a same-origin fetch) carries no Origin either: such a
// GET or HEAD from a client whose User-Agent starts with "Mozilla/" (every
// browser's; SDKs send their own and POST these methods) is refused, as
// it could come from any page, also the rebinding page that would read
// the answer.
func (l Hosts) BrowserCall(r *http.Request) Refusal {
	site, origin := r.Header.Get("Sec-Fetch-Site"), r.Header.Get("Origin")
	switch {
	case CrossSite(r):
		return FromAnotherSite
	case (site != "" && site != "none" || site == "" && origin != "") && !l.Allows(r.Host) && !alipay.IsAlipayHost(r.Host):
		return UnknownHost
	case site == "" && origin == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		strings.HasPrefix(r.Header.Get("User-Agent"), "Mozilla/"):
		return Unmarked
	}
	return Accepted
}

// UnnamedGET reports a GET or HEAD that no browser header marks (neither
// Sec-Fetch-Site nor Origin) under a Host that is none of the mock's names
// nor Alipay's. Firefox lets a script set fetch's User-Agent, so a
// rebinding page there can send a same-origin GET that Unmarked does not
// catch; the gateway refuses such a GET of a method SDKs POST.
func (l Hosts) UnnamedGET(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		r.Header.Get("Sec-Fetch-Site") == "" && r.Header.Get("Origin") == "" &&
		!l.Allows(r.Host) && !alipay.IsAlipayHost(r.Host)
}
