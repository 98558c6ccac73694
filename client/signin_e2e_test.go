package client_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// Sign-in with Alipay, end to end: the authorisation page in a plain HTTP
// client, then alipay.system.oauth.token and alipay.user.info.share.

const (
	signInApp  = "2021000000000031" // a second app, for foreign codes
	openIDApp  = "2021000000000032" // user_id_type open_id
	callbackOK = "https://merchant.example/cb"
)

func signInMock(t *testing.T) *mocktest.Mock {
	t.Helper()
	pub := string(keys.DevFile("app_public_key.pem"))
	return mocktest.Start(t, mock.Options{
		Clock: clock.NewManual(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)),
		Apps:  []apps.Spec{{AppID: signInApp, PublicKey: pub}, {AppID: openIDApp, PublicKey: pub, UserIDType: "open_id"}},
	})
}

func appClient(m *mocktest.Mock, appID string) *client.Client {
	return m.Client(func(c *client.Config) {
		if appID != "" {
			c.AppID = appID
		}
	})
}

var (
	formToken = regexp.MustCompile(`name="form_token" value="([^"]+)"`)
	userField = regexp.MustCompile(`name="user_id" id="user_id" value="([^"]*)"`)
)

// signIn opens the authorisation URL, consents as userID (the page's own
// fake user when empty) and returns the redirect's query.
func signIn(t *testing.T, c *client.Client, scope, userID string) url.Values {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(c.AuthorizeURL(scope, callbackOK+"?from=test", "st-1"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := formToken.FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || tok == nil {
		t.Fatalf("authorisation page: %s %s", resp.Status, body)
	}
	if userID == "" {
		userID = html.UnescapeString(string(userField.FindSubmatch(body)[1]))
	}
	resp, err = hc.PostForm(strings.Split(c.AuthorizeURL(scope, callbackOK, ""), "?")[0],
		url.Values{"form_token": {html.UnescapeString(string(tok[1]))}, "user_id": {userID}, "action": {"consent"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), callbackOK+"?") {
		t.Fatalf("consent: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	q := loc.Query()
	if q.Get("from") != "test" || q.Get("state") != "st-1" || q.Get("app_id") != c.AppID() || q.Get("scope") != scope ||
		q.Get("source") != "alipay_wallet" || q.Get("auth_code") == "" {
		t.Fatalf("callback query %v", q)
	}
	q.Set("user_id", userID)
	return q
}

func TestE2ESignIn(t *testing.T) {
	m := signInMock(t)
	c := appClient(m, "")
	ctx := context.Background()
	const user = "2088102177846880"
	q := signIn(t, c, client.ScopeAuthUser, user)

	tok, err := c.OAuthToken(ctx, q.Get("auth_code"))
	if err != nil {
		t.Fatal(err)
	}
	if tok.UserID != user || tok.OpenID != "" || tok.AccessToken == "" || tok.RefreshToken == "" ||
		tok.ExpiresIn != 1296000 || tok.ReExpiresIn != 2592000 || tok.Code != "" {
		t.Fatalf("oauth.token = %+v", tok)
	}
	if at, err := timestamp.Parse(tok.AuthStart); err != nil || !at.Equal(m.Clock.Now().Truncate(time.Second)) {
		t.Errorf("auth_start %q (%v), want the mock's now", tok.AuthStart, err)
	}
	info, err := c.UserInfoShare(ctx, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	p := fixtures.UserProfile(user)
	if info.Code != client.CodeSuccess || info.UserID != user || info.NickName != p.NickName || info.Avatar != p.Avatar ||
		info.Gender != p.Gender || info.Province != p.Province || info.City != p.City {
		t.Fatalf("user.info.share = %+v, want %+v", info, p)
	}

	// A second sign-in of the same user: a new token, the same profile.
	tok2, err := c.OAuthToken(ctx, signIn(t, c, client.ScopeAuthUser, user).Get("auth_code"))
	if err != nil {
		t.Fatal(err)
	}
	info2, err := c.UserInfoShare(ctx, tok2.AccessToken)
	if err != nil || tok2.AccessToken == tok.AccessToken || info2.NickName != info.NickName || info2.City != info.City {
		t.Fatalf("second sign-in: %+v %+v %v", tok2, info2, err)
	}

	// The page's own fake user signs in too.
	q = signIn(t, c, client.ScopeAuthUser, "")
	if tok3, err := c.OAuthToken(ctx, q.Get("auth_code")); err != nil || tok3.UserID != q.Get("user_id") {
		t.Fatalf("fake user: %+v %v", tok3, err)
	}
}

func TestE2ESignInCodeErrors(t *testing.T) {
	m := signInMock(t)
	c, other := appClient(m, ""), appClient(m, signInApp)
	ctx := context.Background()
	code := func() string { return signIn(t, c, client.ScopeAuthUser, "2088102177846881").Get("auth_code") }

	used := code()
	if _, err := c.OAuthToken(ctx, used); err != nil {
		t.Fatal(err)
	}
	_, err := c.OAuthToken(ctx, used)
	e := wantAPIError(t, err, "40002", "isv.code-invalid")
	if e.Msg != "Invalid Arguments" || e.SubMsg != "授权码code无效" {
		t.Errorf("used code: %+v", e)
	}

	foreign := code()
	_, err = other.OAuthToken(ctx, foreign)
	wantAPIError(t, err, "40002", "isv.code-invalid")
	_, err = c.OAuthToken(ctx, foreign) // spent by the other app's attempt
	wantAPIError(t, err, "40002", "isv.code-invalid")

	expired := code()
	m.Advance("3m")
	_, err = c.OAuthToken(ctx, expired)
	wantAPIError(t, err, "40002", "isv.code-invalid")

	_, err = c.OAuthToken(ctx, "nope")
	wantAPIError(t, err, "40002", "isv.code-invalid")

	_, err = c.RefreshOAuthToken(ctx, "")
	wantAPIError(t, err, "40002", "isv.refresh-token-invalid")

	_, err = c.OAuthToken(ctx, code(), client.WithParam("grant_type", "password"))
	wantAPIError(t, err, "40002", "isv.isv.grant-type-invalid")
}

// The errors come in error_response, signed, and a success has no code
// and msg: production's shape of alipay.system.oauth.token.
func TestSignInWireShape(t *testing.T) {
	m := signInMock(t)
	body := m.Post(m.Params("alipay.system.oauth.token", "", func(p map[string]string) {
		p["grant_type"], p["code"] = "authorization_code", "nope"
	}))
	if !strings.HasPrefix(string(body), `{"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.code-invalid","sub_msg":"授权码code无效"},"sign":"`) {
		t.Fatalf("bad code: %s", body)
	}
	var code map[string]any
	m.ControlJSON("POST", "/user-auth-codes", map[string]string{"app_id": keys.DevAppID, "user_id": "2088102177846882"}, http.StatusCreated, &code)
	body = m.Post(m.Params("alipay.system.oauth.token", "", func(p map[string]string) {
		p["grant_type"], p["code"] = "authorization_code", code["auth_code"].(string)
	}))
	node := m.Verify("alipay.system.oauth.token", body, true)
	if _, has := node["code"]; has || node["user_id"] != "2088102177846882" || node["expires_in"] != float64(1296000) {
		t.Fatalf("success: %s", body)
	}
	if !regexp.MustCompile(`^\{"alipay_system_oauth_token_response":\{"access_token":"authusrB[0-9a-f]{29}[A-Z][0-9]{2}","auth_start":"[0-9-]{10} [0-9:]{8}","expires_in":1296000,"re_expires_in":2592000,"refresh_token":"authusrB`).Match(body) {
		t.Errorf("success is not production's shape: %s", body)
	}
}

func TestE2ESignInTokens(t *testing.T) {
	m := signInMock(t)
	c, other := appClient(m, ""), appClient(m, signInApp)
	ctx := context.Background()
	tok, err := c.OAuthToken(ctx, signIn(t, c, client.ScopeAuthUser, "2088102177846883").Get("auth_code"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.UserInfoShare(ctx, tok.AccessToken)
	wantAPIError(t, err, "20001", "aop.invalid-auth-token")
	_, err = other.RefreshOAuthToken(ctx, tok.RefreshToken)
	wantAPIError(t, err, "40002", "isv.unmatched-app-id")

	m.Advance("24h")
	fresh, err := c.RefreshOAuthToken(ctx, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.ExpiresIn != 1296000 || fresh.ReExpiresIn != 2592000-86400 || fresh.UserID != tok.UserID || fresh.AccessToken == tok.AccessToken {
		t.Fatalf("refreshed = %+v", fresh)
	}
	_, err = c.UserInfoShare(ctx, tok.AccessToken)
	e := wantAPIError(t, err, "20001", "aop.invalid-auth-token")
	if e.Msg != "Insufficient Token Permissions" || e.SubMsg != "无效的访问令牌" {
		t.Errorf("replaced token: %+v", e)
	}
	_, err = c.RefreshOAuthToken(ctx, tok.RefreshToken)
	wantAPIError(t, err, "40002", "isv.refresh-token-invalid")
	if _, err := c.UserInfoShare(ctx, fresh.AccessToken); err != nil {
		t.Fatal(err)
	}

	m.Advance("360h") // 15 days: the access token's lifetime
	_, err = c.UserInfoShare(ctx, fresh.AccessToken)
	wantAPIError(t, err, "20001", "aop.auth-token-time-out")
	m.Advance("336h") // past the refresh token's 30 days
	_, err = c.RefreshOAuthToken(ctx, fresh.RefreshToken)
	wantAPIError(t, err, "40002", "isv.refresh-token-time-out")
}

func TestE2ESignInAuthBase(t *testing.T) {
	m := signInMock(t)
	c := appClient(m, "")
	ctx := context.Background()
	tok, err := c.OAuthToken(ctx, signIn(t, c, client.ScopeAuthBase, "2088102177846884").Get("auth_code"))
	if err != nil || tok.UserID != "2088102177846884" {
		t.Fatalf("auth_base token: %+v %v", tok, err)
	}
	_, err = c.UserInfoShare(ctx, tok.AccessToken)
	wantAPIError(t, err, "20001", "aop.invalid-auth-token")
	_, err = c.UserInfoShare(ctx, "")
	wantAPIError(t, err, "20001", "aop.invalid-auth-token")
}

func TestE2ESignInOpenID(t *testing.T) {
	m := signInMock(t)
	c := appClient(m, openIDApp)
	ctx := context.Background()
	const user = "2088102177846885"
	tok, err := c.OAuthToken(ctx, signIn(t, c, client.ScopeAuthUser, user).Get("auth_code"))
	if err != nil {
		t.Fatal(err)
	}
	if tok.UserID != "" || tok.OpenID != fixtures.OpenID(openIDApp, user) {
		t.Fatalf("open_id app's token: %+v", tok)
	}
	info, err := c.UserInfoShare(ctx, tok.AccessToken)
	if err != nil || info.UserID != "" || info.OpenID != tok.OpenID {
		t.Fatalf("open_id app's user.info.share: %+v %v", info, err)
	}
}

// Through the bundled transport, the production URLs of both the page and
// the gateway reach the mock.
func TestE2ESignInThroughTransport(t *testing.T) {
	m := signInMock(t)
	tr, err := client.NewTransport(m.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := m.Client(func(cfg *client.Config) {
		cfg.GatewayURL = "https://openapi.alipay.com/gateway.do"
		cfg.HTTPClient = &http.Client{Transport: tr}
	})
	u := c.AuthorizeURL(client.ScopeAuthUser, callbackOK, "s")
	if !strings.HasPrefix(u, "https://openauth.alipay.com/oauth2/publicAppAuthorize.htm?") {
		t.Fatalf("AuthorizeURL = %s", u)
	}
	resp, err := (&http.Client{Transport: tr}).Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !formToken.Match(body) {
		t.Fatalf("page through the transport: %s %s", resp.Status, body)
	}
}

// An app of user_id_type open_id sees its buyers by open id in trades and
// notifications: buyer_open_id instead of buyer_user_id (buyer_id in
// notifications); the same buyer has the same open id in sign-in.
func TestE2ETradesWithOpenID(t *testing.T) {
	m := signInMock(t)
	c := m.Client(func(cfg *client.Config) { cfg.AppID, cfg.NotifyURL = openIDApp, "http://127.0.0.1:9/notify" })
	ctx := context.Background()
	const buyerID = "2088102177846886"
	open := fixtures.OpenID(openIDApp, buyerID)

	if _, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "OPENID-1",
		TotalAmount: amount.MustParse("12.00"), Subject: "tea"}}); err != nil {
		t.Fatal(err)
	}
	m.Control("POST", "/trades/OPENID-1/pay?app_id="+openIDApp, map[string]string{"buyer_id": buyerID}, http.StatusOK)
	q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "OPENID-1"})
	if err != nil {
		t.Fatal(err)
	}
	if q.BuyerUserID != "" || q.BuyerOpenID != open || q.BuyerLogonID == "" {
		t.Fatalf("query: buyer_user_id %q buyer_open_id %q, want only %q", q.BuyerUserID, q.BuyerOpenID, open)
	}
	r, err := c.Refund(ctx, client.RefundRequest{OutTradeNo: "OPENID-1", OutRequestNo: "r1", RefundAmount: amount.MustParse("1.00")})
	if err != nil || r.BuyerUserID != "" || r.BuyerOpenID != open {
		t.Fatalf("refund: %+v %v", r, err)
	}
	n := m.WaitNotifications(notify.Filter{OutTradeNo: "OPENID-1"}, 1)[0]
	if _, has := n.Params["buyer_id"]; has || n.Params["buyer_open_id"] != open {
		t.Fatalf("notification params %v", n.Params)
	}
	tok, err := c.OAuthToken(ctx, signIn(t, c, client.ScopeAuthBase, buyerID).Get("auth_code"))
	if err != nil || tok.OpenID != open {
		t.Fatalf("sign-in of the same buyer: %+v %v", tok, err)
	}

	// A barcode payment and a trade created for an open id.
	p, err := c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "OPENID-2", TotalAmount: amount.MustParse("3.00"), Subject: "s"},
		Scene: "bar_code", AuthCode: "283912345678901234"})
	if err != nil || p.BuyerUserID != "" || len(p.BuyerOpenID) != fixtures.OpenIDLen {
		t.Fatalf("pay: %+v %v", p, err)
	}
	if _, err := c.Create(ctx, client.CreateRequest{Order: client.Order{OutTradeNo: "OPENID-3", TotalAmount: amount.MustParse("3.00"), Subject: "s"},
		BuyerOpenID: open}); err != nil {
		t.Fatal(err)
	}
	if q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "OPENID-3"}); err != nil || q.BuyerOpenID != open || q.BuyerUserID != "" {
		t.Fatalf("created for an open id: %+v %v", q, err)
	}

	// The dev app (user_id_type user_id) is unchanged.
	d := appClient(m, "")
	if _, err := d.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "UID-1", TotalAmount: amount.MustParse("3.00"), Subject: "s"},
		Scene: "bar_code", AuthCode: "283912345678901234"}); err != nil {
		t.Fatal(err)
	}
	if q, err := d.Query(ctx, client.QueryRequest{OutTradeNo: "UID-1"}); err != nil || q.BuyerOpenID != "" || len(q.BuyerUserID) != 16 {
		t.Fatalf("user_id app: %+v %v", q, err)
	}
}

// v3: POST /v3/alipay/system/oauth/token with grant_type and code in the
// body; the same book, so a v1 code works there.
func TestE2ESignInV3(t *testing.T) {
	m := signInMock(t)
	c := appClient(m, "")
	ctx := context.Background()
	var out client.OAuthTokenResponse
	code := signIn(t, c, client.ScopeAuthUser, "2088102177846887").Get("auth_code")
	if err := c.V3(ctx, "alipay.system.oauth.token", map[string]string{"grant_type": "authorization_code", "code": code}, &out); err != nil {
		t.Fatal(err)
	}
	if out.UserID != "2088102177846887" || out.ExpiresIn != 1296000 || out.AccessToken == "" {
		t.Fatalf("v3 oauth.token = %+v", out)
	}
	err := c.V3(ctx, "alipay.system.oauth.token", map[string]string{"grant_type": "authorization_code", "code": code}, &out)
	wantAPIError(t, err, "40002", "isv.code-invalid")
	if _, err := c.UserInfoShare(ctx, out.AccessToken); err != nil {
		t.Fatalf("a v3 token on gateway.do: %v", err)
	}
}

// Scenarios match grant_type and code though gateway.do sends them outside
// biz_content, and a forced error still comes in error_response.
func TestE2ESignInScenario(t *testing.T) {
	m := signInMock(t)
	c := appClient(m, "")
	m.Control("POST", "/scenarios", `name: refresh-down
rules:
  - when:
      method: alipay.system.oauth.token
      biz: {grant_type: refresh_token}
    then:
      respond: {code: "20000", sub_code: "isp.unknow-error"}
`, http.StatusCreated)
	ctx := context.Background()
	tok, err := c.OAuthToken(ctx, signIn(t, c, client.ScopeAuthUser, "2088102177846888").Get("auth_code"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.RefreshOAuthToken(ctx, tok.RefreshToken)
	wantAPIError(t, err, "20000", "isp.unknow-error")
	body := m.Post(m.Params("alipay.system.oauth.token", "", func(p map[string]string) {
		p["grant_type"], p["refresh_token"] = "refresh_token", tok.RefreshToken
	}))
	if !strings.HasPrefix(string(body), `{"error_response":{"code":"20000"`) {
		t.Fatalf("forced answer: %s", body)
	}
	var journal []struct {
		Method string `json:"method"`
		Rule   string `json:"rule"`
	}
	m.ControlJSON("GET", "/journal?method=alipay.system.oauth.token", nil, http.StatusOK, &journal)
	rules := 0
	for _, e := range journal {
		if e.Method == "alipay.system.oauth.token" && e.Rule != "" {
			rules++
		}
	}
	if rules != 2 {
		t.Fatalf("journal: %+v", journal)
	}
	// The dashboard's journal lists them.
	resp, err := http.Get(m.URL + "/_mock/ui/journal")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Count(string(page), "alipay.system.oauth.token") < 3 {
		t.Fatalf("dashboard journal: HTTP %d, %d mentions of oauth.token", resp.StatusCode, strings.Count(string(page), "alipay.system.oauth.token"))
	}
	// Its app table says which app uses open ids.
	resp, err = http.Get(m.URL + "/_mock/ui/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !regexp.MustCompile(`data-app-id="`+openIDApp+`".*?class="mode">public key, open ids<`).Match(page) ||
		regexp.MustCompile(`data-app-id="`+signInApp+`".*?class="mode">[^<]*open ids`).Match(page) {
		t.Fatalf("dashboard apps table does not mark the open-id app alone")
	}
}

// An ISV signs users in for a merchant: the authorisation URL carries the
// merchant's app_id, and the ISV exchanges the code with the merchant's
// app_auth_token. Without it the code is another app's.
func TestE2ESignInForMerchant(t *testing.T) {
	m := signInMock(t)
	merchant, isv := appClient(m, ""), appClient(m, signInApp)
	ctx := context.Background()
	var grant map[string]any
	m.ControlJSON("POST", "/app-auth-codes", map[string]string{"app_id": signInApp, "merchant_app_id": keys.DevAppID}, http.StatusCreated, &grant)
	auth, err := isv.ExchangeAppAuthCode(ctx, grant["app_auth_code"].(string))
	if err != nil {
		t.Fatal(err)
	}
	code := signIn(t, merchant, client.ScopeAuthUser, "2088102177846889").Get("auth_code")
	tok, err := isv.OAuthToken(ctx, code, client.WithAppAuthToken(auth.AppAuthToken))
	if err != nil || tok.UserID != "2088102177846889" {
		t.Fatalf("ISV for the merchant: %+v %v", tok, err)
	}
	if _, err := isv.UserInfoShare(ctx, tok.AccessToken, client.WithAppAuthToken(auth.AppAuthToken)); err != nil {
		t.Fatal(err)
	}
	_, err = isv.UserInfoShare(ctx, tok.AccessToken)
	wantAPIError(t, err, "20001", "aop.invalid-auth-token")
	code = signIn(t, merchant, client.ScopeAuthUser, "2088102177846889").Get("auth_code")
	_, err = isv.OAuthToken(ctx, code)
	wantAPIError(t, err, "40002", "isv.code-invalid")
}
