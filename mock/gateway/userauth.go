package gateway

import (
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// oauthTokenRequest is what alipay.system.oauth.token reads: request
// parameters on gateway.do (AlipaySystemOauthTokenRequest's text
// parameters, not biz_content), the JSON body on v3.
type oauthTokenRequest struct {
	GrantType    string `json:"grant_type"`
	Code         string `json:"code"`
	RefreshToken string `json:"refresh_token"`
}

// oauthToken answers alipay.system.oauth.token: an access token for a
// user's auth_code, or a new one for a refresh token. The node has no
// code or msg on success and errors go in error_response (table.go).
func (g *Gateway) oauthToken(cl *call, in oauthTokenRequest) (any, *apierr.Error) {
	var t userauth.Token
	var err error
	switch in.GrantType {
	case "authorization_code":
		t, err = g.Users.Exchange(cl.owner(), in.Code)
	case "refresh_token":
		t, err = g.Users.Refresh(cl.owner(), in.RefreshToken)
	default:
		err = userauth.ErrGrantType
	}
	if err != nil {
		return nil, g.asAPI(err)
	}
	userID, openID := g.userIDs(cl, t.UserID)
	return struct {
		AccessToken  string `json:"access_token"`
		AuthStart    string `json:"auth_start"`
		ExpiresIn    int64  `json:"expires_in"`
		OpenID       string `json:"open_id,omitempty"`
		ReExpiresIn  int64  `json:"re_expires_in"`
		RefreshToken string `json:"refresh_token"`
		UserID       string `json:"user_id,omitempty"`
	}{AccessToken: t.AccessToken, AuthStart: timestamp.Format(t.AuthStart),
		ExpiresIn: int64(t.Expires.Sub(cl.now) / time.Second), OpenID: openID,
		ReExpiresIn: int64(t.RefreshExpires.Sub(cl.now) / time.Second), RefreshToken: t.RefreshToken, UserID: userID}, nil
}

// userInfoRequest is what alipay.user.info.share reads: the auth_token
// request parameter (AlipayUserInfoShareRequest has no biz_content).
type userInfoRequest struct {
	AuthToken string `json:"auth_token"`
}

// userInfoShare answers alipay.user.info.share for the user an auth_token
// speaks for. A token of scope auth_base may not call it: production
// answers aop.invalid-auth-token ("如果 scope=auth_base，不添加其它任何权限，
// alipay.user.info.share 报错 aop.invalid-auth-token").
func (g *Gateway) userInfoShare(cl *call, in userInfoRequest) (any, *apierr.Error) {
	t, err := g.Users.Resolve(cl.owner(), in.AuthToken)
	if err != nil {
		return nil, g.asAPI(err)
	}
	if t.Scope != userauth.ScopeUser {
		return nil, g.asAPI(userauth.ErrInvalidToken)
	}
	p := fixtures.UserProfile(t.UserID)
	userID, openID := g.userIDs(cl, t.UserID)
	return struct {
		Avatar   string `json:"avatar"`
		City     string `json:"city"`
		Gender   string `json:"gender"`
		NickName string `json:"nick_name"`
		OpenID   string `json:"open_id,omitempty"`
		Province string `json:"province"`
		UserID   string `json:"user_id,omitempty"`
	}{p.Avatar, p.City, p.Gender, p.NickName, openID, p.Province, userID}, nil
}

// userIDs is how the merchant's app names a user: the 2088 user id, or
// for an app of user_id_type open_id only its open id (fixtures.OpenID,
// per app and user). Sign-in and trades (buyer_user_id → buyer_open_id)
// both answer through it.
func (g *Gateway) userIDs(cl *call, userID string) (uid, openID string) {
	if userID != "" && cl.openID {
		return "", fixtures.OpenID(cl.owner(), userID)
	}
	return userID, ""
}
