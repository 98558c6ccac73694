// Package redact keeps secrets out of the mock's logs: the tokens of the
// buyer pages' URLs, which open and pay a trade, and the tokens and
// one-time codes requests carry (app_auth_token, auth_token, access and
// refresh tokens, authorisation codes, the control token). Every log line
// passes through Text (limits.LogHandler); the journal, which the control
// API guards, keeps what was sent whole.
package redact

import (
	"regexp"
	"strings"
)

// Mark stands where a secret was.
const Mark = "[redacted]"

// secretKeys are the parameters and JSON members whose values are secrets.
const secretKeys = `app_auth_token|auth_token|access_token|refresh_token|app_refresh_token|code|token`

var (
	// pagePath is a buyer page's token in a path or URL: /cashier/<token>,
	// /cashier/coupon/<token>, /qr/<token>, qr.alipay.com/<token>.
	pagePath = regexp.MustCompile(`(/cashier/coupon/|/cashier/|/qr/|qr\.alipay\.com/)[A-Za-z0-9_-]+`)
	// pair is a secret in a query string, a form or a string to sign.
	pair = regexp.MustCompile(`(^|[?&])(` + secretKeys + `)=[^&\s"]+`)
	// member is a secret in JSON (biz_content, a v3 body); its string may
	// be cut short (limits.Cut) before its closing quote.
	member = regexp.MustCompile(`("(?:` + secretKeys + `)"\s*:\s*)"(?:[^"\\]|\\.)*"?`)
)

// Text is s with the secrets it may hold replaced by Mark; it returns s
// itself when there are none.
func Text(s string) string {
	if strings.Contains(s, "/cashier/") || strings.Contains(s, "/qr/") || strings.Contains(s, "qr.alipay.com/") {
		s = pagePath.ReplaceAllString(s, "${1}"+Mark)
	}
	if strings.IndexByte(s, '=') >= 0 {
		s = pair.ReplaceAllString(s, "${1}${2}="+Mark)
	}
	if strings.Contains(s, `":`) || strings.Contains(s, `" :`) {
		s = member.ReplaceAllString(s, `${1}"`+Mark+`"`)
	}
	return s
}

// Secret is Mark for a secret that is set, "" for one that is not: for a
// secret whose place in a text no pattern finds, such as the
// app_auth_token line of a v3 string to sign, put in the text's place.
func Secret(v string) string {
	if v == "" {
		return ""
	}
	return Mark
}
