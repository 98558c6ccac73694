package apps

import (
	"net/url"
	"strings"

	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// MaxState bounds the state an authorisation URL carries back (production's
// limit is not published; inferred).
const MaxState = 256

// AuthRefusal is why an authorisation page refuses a redirect_uri or state:
// the page's text in Chinese and in English.
type AuthRefusal struct{ Zh, En string }

func (r *AuthRefusal) Error() string { return r.En }

// CheckAuthRedirect checks an authorisation URL's redirect_uri and state
// for a, as the sign-in and app authorisation pages do (and the control
// API's codes that stand in for them). With an auth_redirect_uri,
// sign-in's redirect_uri must be on its scheme and host; the app
// authorisation page's (exact) must be that string: "redirect_uri内容需要与
// 应用中配置的授权回调地址完全一样" (Alipay's 第三方应用授权 guide), so no
// other path, trailing slash or query.
func (a *App) CheckAuthRedirect(redirect, state string, exact bool) *AuthRefusal {
	switch {
	case !notify.ValidURL(redirect):
		return &AuthRefusal{"redirect_uri无效", "redirect_uri must be an http or https URL of at most 256 characters"}
	case a.AuthRedirectURI == "":
	case exact && redirect != a.AuthRedirectURI:
		return &AuthRefusal{"redirect_uri与应用的授权回调地址不一致",
			"redirect_uri must be the app's authorisation callback (auth_redirect_uri) exactly: " + a.AuthRedirectURI}
	case !exact && !sameSite(redirect, a.AuthRedirectURI):
		return &AuthRefusal{"redirect_uri与应用的授权回调地址不一致",
			"redirect_uri must be on the app's authorisation callback (auth_redirect_uri) " + a.AuthRedirectURI}
	}
	return CheckState(state)
}

// CheckState bounds the state an authorisation URL carries back.
func CheckState(state string) *AuthRefusal {
	if len(state) > MaxState {
		return &AuthRefusal{"state参数过长", "state is longer than 256 bytes"}
	}
	return nil
}

// sameSite reports whether u is on callback's scheme, host and port (the
// scheme's default when none is named: https://h is https://h:443):
// production holds redirect_uri to the app's 授权回调地址.
func sameSite(u, callback string) bool {
	a, err1 := url.Parse(u)
	b, err2 := url.Parse(callback)
	return err1 == nil && err2 == nil && strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

// port is u's port, or its scheme's default when it names none.
func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// AuthCallback is redirect with an authorisation page's parameters (add)
// appended to its query (notify.AppendQuery).
func AuthCallback(redirect string, add url.Values) string {
	return notify.AppendQuery(redirect, add.Encode())
}
