package notify

import (
	"net/url"
	"strings"
)

// MaxURLLen is the longest notify_url (and return_url) production takes.
const MaxURLLen = 256

// ValidURL is what production accepts as notify_url and return_url: an
// absolute http or https URL of at most MaxURLLen characters. The gateway
// refuses others, and so does a scenario's notify.url: no other scheme
// (file, gopher, ftp) is ever fetched.
func ValidURL(s string) bool {
	if len(s) > MaxURLLen {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// AppendQuery is u with query (already encoded) appended to its query, as
// production appends a return's or an authorisation's parameters to the
// URL the app gave: the app's own query keeps its bytes and order, even a
// pair url.ParseQuery refuses (a ";", a bad escape), and a fragment stays
// last, after the parameters a server must read. A URL that does not
// parse (checked before) gets them after a "?" or "&".
func AppendQuery(u, query string) string {
	p, err := url.Parse(u)
	if err != nil {
		if strings.Contains(u, "?") {
			return u + "&" + query
		}
		return u + "?" + query
	}
	if p.RawQuery != "" && !strings.HasSuffix(p.RawQuery, "&") {
		p.RawQuery += "&"
	}
	p.RawQuery += query
	return p.String()
}
