package notify

import "net/url"

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
