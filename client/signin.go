package client

import (
	"context"
	"net/url"
	"strings"
)

// Scopes of sign-in with Alipay.
const (
	ScopeAuthUser = "auth_user" // the user id and the profile (UserInfoShare)
	ScopeAuthBase = "auth_base" // the user id only, without a consent screen
)

// AuthorizePath is the path of the authorisation page, on
// openauth.alipay.com and on the mock.
const AuthorizePath = "/oauth2/publicAppAuthorize.htm"

// authorizeHosts are the authorisation hosts of Alipay's gateways.
var authorizeHosts = map[string]string{
	"openapi.alipay.com":               "openauth.alipay.com",
	"openapi-sandbox.dl.alipaydev.com": "openauth-sandbox.dl.alipaydev.com",
	"openapi.alipaydev.com":            "openauth.alipaydev.com",
}

// AuthorizeURL is the URL an app sends the user's browser to for
// sign-in with Alipay: https://openauth.alipay.com/oauth2/publicAppAuthorize.htm
// for production's gateway (the sandbox's for the sandbox), or the mock's
// own page when the client talks to a mock. scope is ScopeAuthUser or
// ScopeAuthBase; state comes back unchanged with the auth_code.
func (c *Client) AuthorizeURL(scope, redirectURI, state string) string {
	u := url.URL{Scheme: c.gateway.Scheme, Host: c.gateway.Host, Path: AuthorizePath}
	if h, ok := authorizeHosts[strings.ToLower(c.gateway.Hostname())]; ok {
		u.Scheme, u.Host = "https", h
	} else if p := strings.TrimSuffix(c.gateway.Path, "/gateway.do"); p != c.gateway.Path {
		u.Path = p + AuthorizePath // a mock behind a path prefix
	}
	q := url.Values{"app_id": {c.appID}, "scope": {scope}, "redirect_uri": {redirectURI}}
	if state != "" {
		q.Set("state", state)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// OAuthTokenResponse is alipay.system.oauth.token's answer. Its success
// carries no code (production's answers have none); a failure is an
// *Error (40002 isv.code-invalid for a used, expired or other app's code).
type OAuthTokenResponse struct {
	Response
	// UserID is the user's 2088 id; apps of user_id_type open_id get
	// OpenID instead.
	UserID       string `json:"user_id"`
	OpenID       string `json:"open_id"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	// ExpiresIn and ReExpiresIn are the seconds the access and refresh
	// tokens still work; AuthStart ("2006-01-02 15:04:05", GMT+8) is when
	// the access token's lifetime began.
	ExpiresIn   int64  `json:"expires_in"`
	ReExpiresIn int64  `json:"re_expires_in"`
	AuthStart   string `json:"auth_start"`
}

// OAuthToken trades the auth_code of a user's sign-in for an access token
// (alipay.system.oauth.token, grant_type authorization_code).
func (c *Client) OAuthToken(ctx context.Context, code string, opts ...CallOption) (*OAuthTokenResponse, error) {
	out := new(OAuthTokenResponse)
	return out, c.Do(ctx, "alipay.system.oauth.token", nil, out,
		append([]CallOption{WithParam("grant_type", "authorization_code"), WithParam("code", code)}, opts...)...)
}

// RefreshOAuthToken gets a new access token with a refresh token
// (grant_type refresh_token). The old access and refresh tokens stop
// working.
func (c *Client) RefreshOAuthToken(ctx context.Context, refreshToken string, opts ...CallOption) (*OAuthTokenResponse, error) {
	out := new(OAuthTokenResponse)
	return out, c.Do(ctx, "alipay.system.oauth.token", nil, out,
		append([]CallOption{WithParam("grant_type", "refresh_token"), WithParam("refresh_token", refreshToken)}, opts...)...)
}

// UserInfo is alipay.user.info.share's answer: the signed-in user's
// public profile. Gender is "m" or "f".
type UserInfo struct {
	Response
	UserID   string `json:"user_id"`
	OpenID   string `json:"open_id"`
	NickName string `json:"nick_name"`
	Avatar   string `json:"avatar"`
	Gender   string `json:"gender"`
	Province string `json:"province"`
	City     string `json:"city"`
}

// UserInfoShare asks for the profile of the user an access token (from
// OAuthToken, scope auth_user) speaks for. A token of scope auth_base, an
// unknown or replaced one answers 20001 aop.invalid-auth-token, an
// expired one aop.auth-token-time-out.
func (c *Client) UserInfoShare(ctx context.Context, authToken string, opts ...CallOption) (*UserInfo, error) {
	out := new(UserInfo)
	return out, c.Do(ctx, "alipay.user.info.share", nil, out, append([]CallOption{WithParam("auth_token", authToken)}, opts...)...)
}
