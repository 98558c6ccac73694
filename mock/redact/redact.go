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

// secretKeys are the parameters and JSON members whose values are
// secrets wherever they appear: tokens, the trade.pay barcode (auth_code),
// the app authorisation code (app_auth_code), the control token (token).
const secretKeys = `app_auth_token|auth_token|access_token|refresh_token|app_refresh_token|auth_code|app_auth_code|token`

// withGrant are those and the authorisation code, a bare "code", which is
// a secret only beside grant_type: alipay.system.oauth.token's parameters
// (grant_type=authorization_code&code=…) and
// alipay.open.auth.token.app's biz_content ({"grant_type":…,"code":…}).
// Elsewhere "code" is Alipay's result code (10000, 40004) or a merchant's
// answer to a notification ({"code":"FAIL"}), which a log must show.
const withGrant = secretKeys + `|code`

// patterns find a secret's value in each form a log line may carry it.
type patterns struct{ pair, member, escaped, encoded *regexp.Regexp }

func compile(keys string) patterns {
	// A URL-encoded value ends at & or its %26, and at a quote or its %22.
	const encValue = `(?:[^&\s"%\\]|%[013-9A-Fa-f][0-9A-Fa-f]|%2[013-57-9A-Fa-f])+`
	return patterns{
		// In a query string, a form or a string to sign, also URL-encoded
		// inside another parameter (return_url=…%3Fapp_auth_code%3D…).
		pair: regexp.MustCompile(`(^|[?&]|%26|%3[Ff])(` + keys + `)(=|%3[Dd])` + encValue),
		// In JSON (biz_content, a v3 body), a string or a number; the
		// string may be cut short (limits.Cut) before its closing quote.
		member: regexp.MustCompile(`("(?:` + keys + `)"\s*:\s*)(?:"(?:[^"\\]|\\.)*"?|-?[0-9][0-9.eE+-]*)`),
		// In JSON inside a JSON string: \"auth_code\":\"…\". The value's
		// own escapes come doubled: \\\" (a quote), \\\\ (a backslash).
		escaped: regexp.MustCompile(`(\\"(?:` + keys + `)\\"\s*:\s*)\\"(?:[^"\\]|\\\\(?:\\["\\]|[^"\\]))*(?:\\")?`),
		// In URL-encoded JSON: %22auth_code%22%3A%22…%22.
		encoded: regexp.MustCompile(`(%22(?:` + keys + `)%22(?:%3[Aa]|:)(?:%20|\+)*)%22` + `(?:[^&\s"%]|%[013-9A-Fa-f][0-9A-Fa-f]|%2[013-9A-Fa-f])*(?:%22)?`),
	}
}

var (
	// pagePath is a buyer page's token in a path or URL: /cashier/<token>,
	// /cashier/coupon/<token>, /qr/<token>, qr.alipay.com/<token>.
	pagePath = regexp.MustCompile(`(/cashier/coupon/|/cashier/|/qr/|qr\.alipay\.com/)[A-Za-z0-9_-]+`)
	plain    = compile(secretKeys)
	granting = compile(withGrant)
)

// Text is s with the secrets it may hold replaced by Mark; it returns s
// itself when there are none.
func Text(s string) string {
	if strings.Contains(s, "/cashier/") || strings.Contains(s, "/qr/") || strings.Contains(s, "qr.alipay.com/") {
		s = pagePath.ReplaceAllString(s, "${1}"+Mark)
	}
	p := plain
	if strings.Contains(s, "grant_type") {
		p = granting
	}
	if strings.IndexByte(s, '=') >= 0 || strings.Contains(s, "%3D") || strings.Contains(s, "%3d") {
		s = p.pair.ReplaceAllString(s, "${1}${2}${3}"+Mark)
	}
	if strings.Contains(s, `":`) || strings.Contains(s, `" :`) {
		s = p.member.ReplaceAllString(s, `${1}"`+Mark+`"`)
	}
	if strings.Contains(s, `\"`) {
		s = p.escaped.ReplaceAllString(s, `${1}\"`+Mark+`\"`)
	}
	if strings.Contains(s, "%22") {
		s = p.encoded.ReplaceAllString(s, "${1}%22"+Mark+"%22")
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
