package mock_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/apps"
)

// An app_auth_token is good until the merchant authorises again, cancels or
// it is refreshed: Alipay's 授权 FAQ, "授权令牌 app_auth_token 在没有重新授权、
// 取消授权或刷新授权的情况下,永久有效" and "q3: ... app_auth_token 是永久有效的"
// (opendocs 第三方应用 > 常见问题 > 授权 faq), and the Java SDK's field comment on
// expires_in: "该字段已作废，应用令牌长期有效" (AlipayOpenAuthTokenAppResponse).
// It works on past the 365 days expires_in says.
func TestAppAuthTokenOutlivesItsExpiresIn(t *testing.T) {
	ctx := context.Background()
	s, clk, isv := clocked(t, nil)
	var code struct {
		Code string `json:"app_auth_code"`
	}
	postJSON(t, s.URL()+"/_mock/app-auth-codes", `{"app_id":"`+keys.DevAppID+`"}`, http.StatusCreated, &code)
	tok, err := isv.ExchangeAppAuthCode(ctx, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	as := client.WithAppAuthToken(tok.AppAuthToken)
	clk.Advance(366 * 24 * time.Hour) // e.g. to see a paid trade become TRADE_FINISHED
	_, err = isv.Query(ctx, client.QueryRequest{OutTradeNo: "NOPE"}, as)
	// The trade does not exist; the token must still be accepted.
	wantAPIError(t, err, "40004", "ACQ.TRADE_NOT_EXIST")
}

// "一个商家应用可以多次重复授权给同一个第三方应用,每次重复授权时,授权令牌
// app_auth_token 的值会被刷新,旧的值会失效" (same FAQ): when the same merchant
// authorises the same ISV again, the token of the earlier authorisation stops
// working (the FAQ: "在一定时间内失效"; a day is well past any grace).
func TestReauthorisingTheSameISVEndsTheOldToken(t *testing.T) {
	ctx := context.Background()
	s, clk, isv := clocked(t, nil)
	const merchantApp = "9021000100000009"
	if _, err := s.Apps.Add(apps.Spec{AppID: merchantApp, PublicKey: string(keys.DevFile("app_public_key.pem")), SignType: "RSA2"}); err != nil {
		t.Fatal(err)
	}
	merchant := `{"app_id":"` + keys.DevAppID + `","merchant_app_id":"` + merchantApp + `"}`
	var first, second struct {
		Code string `json:"app_auth_code"`
	}
	postJSON(t, s.URL()+"/_mock/app-auth-codes", merchant, http.StatusCreated, &first)
	old, err := isv.ExchangeAppAuthCode(ctx, first.Code)
	if err != nil {
		t.Fatal(err)
	}
	postJSON(t, s.URL()+"/_mock/app-auth-codes", merchant, http.StatusCreated, &second)
	fresh, err := isv.ExchangeAppAuthCode(ctx, second.Code)
	if err != nil || fresh.AppAuthToken == old.AppAuthToken {
		t.Fatalf("second authorisation: %+v %v", fresh, err)
	}
	clk.Advance(24 * time.Hour)
	_, err = isv.Query(ctx, client.QueryRequest{OutTradeNo: "NOPE"}, client.WithAppAuthToken(fresh.AppAuthToken))
	wantAPIError(t, err, "40004", "ACQ.TRADE_NOT_EXIST")
	_, err = isv.Query(ctx, client.QueryRequest{OutTradeNo: "NOPE"}, client.WithAppAuthToken(old.AppAuthToken))
	wantAPIError(t, err, "20001", "aop.invalid-app-auth-token")
}

// alipay.open.auth.token.app.query is how an ISV checks an authorisation
// (status valid/invalid, auth_app_id, user_id, auth_methods, auth_start,
// auth_end, expires_in: the Java SDK's AlipayOpenAuthTokenAppQueryResponse,
// v2/src/main/java/com/alipay/api/response/AlipayOpenAuthTokenAppQueryResponse.java).
func TestAppAuthTokenQuery(t *testing.T) {
	ctx := context.Background()
	s, clk, isv := clocked(t, nil)
	var code struct {
		Code      string `json:"app_auth_code"`
		AuthAppID string `json:"auth_app_id"`
	}
	postJSON(t, s.URL()+"/_mock/app-auth-codes", `{"app_id":"`+keys.DevAppID+`"}`, http.StatusCreated, &code)
	tok, err := isv.ExchangeAppAuthCode(ctx, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		client.Response
		AuthAppID string `json:"auth_app_id"`
		Status    string `json:"status"`
		UserID    string `json:"user_id"`
	}
	err = isv.Do(ctx, "alipay.open.auth.token.app.query", map[string]string{"app_auth_token": tok.AppAuthToken}, &out)
	if err != nil || out.Status != "valid" || out.AuthAppID != code.AuthAppID || out.UserID != tok.UserID {
		t.Fatalf("token query: %+v %v", out, err)
	}
	// Refreshed and past its grace, the token is "invalid"; one the mock
	// never gave is 20001.
	if _, err := isv.RefreshAppAuthToken(ctx, tok.AppRefreshToken); err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Minute)
	err = isv.Do(ctx, "alipay.open.auth.token.app.query", map[string]string{"app_auth_token": tok.AppAuthToken}, &out)
	if err != nil || out.Status != "invalid" || out.AuthAppID != code.AuthAppID {
		t.Fatalf("token query past the grace: %+v %v", out, err)
	}
	err = isv.Do(ctx, "alipay.open.auth.token.app.query", map[string]string{"app_auth_token": "201511BB0000000000000000000000000000"}, &out)
	wantAPIError(t, err, "20001", "aop.invalid-app-auth-token")
}

// The same over v3: GET /v3/alipay/open/auth/token/app/query with the
// token in the query (the v3 SDKs' AlipayOpenAuthTokenAppApi).
func TestAppAuthTokenQueryV3(t *testing.T) {
	ctx := context.Background()
	e := newV3Env(t)
	code, err := e.srv.Auth.Authorise(keys.DevAppID, e.srv.Auth.NewMerchant())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.c.ExchangeAppAuthCode(ctx, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	r := e.do(v3Req{method: http.MethodGet, uri: "/v3/alipay/open/auth/token/app/query?app_auth_token=" + tok.AppAuthToken})
	var out struct {
		Status      string   `json:"status"`
		AuthAppID   string   `json:"auth_app_id"`
		AuthMethods []string `json:"auth_methods"`
	}
	if err := json.Unmarshal(r.body, &out); r.status != http.StatusOK || err != nil || out.Status != "valid" || out.AuthAppID != code.Merchant.AuthAppID || len(out.AuthMethods) == 0 {
		t.Fatalf("v3 token query: HTTP %d %s", r.status, r.body)
	}
}

// An ISV acting for a merchant can call only what the merchant has the
// product for: "若产品需要开通,商家需完成开通后,第三方应用才可代商家应用正常调用
// 接口" (Alipay's 授权 FAQ); production's codes for it are 40006
// isv.insufficient-user-permissions (用户权限不足) or 20001
// aop.invalid-app-auth-token-no-api (商户未授权当前接口) (the public error
// codes, shared/spec/alipay-protocol.md §6): a merchant app registered
// with methods [alipay.trade.query] gets no precreate through its ISV.
func TestISVCannotCallWhatTheMerchantHasNoProductFor(t *testing.T) {
	ctx := context.Background()
	e := newV3Env(t)
	tok := limitedMerchantToken(t, e)
	_, err := e.c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "ISV-LIM-1", TotalAmount: amount.MustParse("1.00"), Subject: "s"}},
		client.WithAppAuthToken(tok.AppAuthToken))
	var ae *client.Error
	if !errors.As(err, &ae) || !(ae.Code == "40006" && ae.SubCode == "isv.insufficient-user-permissions" || ae.Code == "20001" && ae.SubCode == "aop.invalid-app-auth-token-no-api") {
		t.Fatalf("precreate for a merchant limited to alipay.trade.query: %v", err)
	}
	// The same over v3, and what the merchant has stays open.
	r := e.do(v3Req{uri: "/v3/alipay/trade/precreate", body: `{"out_trade_no":"ISV-LIM-2","total_amount":"1.00","subject":"s"}`, token: tok.AppAuthToken})
	if r.status != http.StatusForbidden || !strings.Contains(string(r.body), `"insufficient-user-permissions"`) {
		t.Fatalf("v3 precreate for a merchant limited to alipay.trade.query: HTTP %d %s", r.status, r.body)
	}
	_, err = e.c.Query(ctx, client.QueryRequest{OutTradeNo: "NOPE"}, client.WithAppAuthToken(tok.AppAuthToken))
	wantAPIError(t, err, "40004", "ACQ.TRADE_NOT_EXIST")
}

// Alipay's method doc: "刷新应用授权令牌,ISV可通过获取到的refresh_token刷新
// app_auth_token,刷新后老的refresh_token会在一段时间后失效(失效时间为接口返回的
// re_expires_in)" (https://docs.open.alipay.com/api_9/alipay.open.auth.token.app,
// the same text on the v3 page of /v3/alipay/open/auth/token/app): a refresh
// token still works for a while after it was used, so an ISV can retry a
// refresh whose answer it lost.
func TestUsedRefreshTokenStillWorksForAWhile(t *testing.T) {
	ctx := context.Background()
	s, clk, isv := clocked(t, nil)
	var code struct {
		Code string `json:"app_auth_code"`
	}
	postJSON(t, s.URL()+"/_mock/app-auth-codes", `{"app_id":"`+keys.DevAppID+`"}`, http.StatusCreated, &code)
	tok, err := isv.ExchangeAppAuthCode(ctx, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := isv.RefreshAppAuthToken(ctx, tok.AppRefreshToken); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if again, err := isv.RefreshAppAuthToken(ctx, tok.AppRefreshToken); err != nil || again.AppAuthToken == "" {
		t.Fatalf("the used refresh token a minute later: %+v %v", again, err)
	}
}

// The ISV's own methods (alipay.open.*, which auth_methods leaves out) are
// not held to the merchant app's methods: an ISV whose per-merchant client
// sends the token on every call (Java's execute(request, null,
// appAuthToken), the Go client's Config.AppAuthToken) asks
// alipay.open.auth.token.app.query about that very token and gets its
// status, not 40006 isv.insufficient-user-permissions.
func TestTokenQueryWithTheTokenIsNotHeldToTheMerchantsMethods(t *testing.T) {
	ctx := context.Background()
	e := newV3Env(t)
	tok := limitedMerchantToken(t, e)
	var out struct {
		client.Response
		Status string `json:"status"`
	}
	err := e.c.Do(ctx, "alipay.open.auth.token.app.query", map[string]string{"app_auth_token": tok.AppAuthToken}, &out, client.WithAppAuthToken(tok.AppAuthToken))
	if err != nil || out.Status != "valid" {
		t.Fatalf("token query carrying the token: %+v %v", out, err)
	}
}

// limitedMerchantToken is the dev app's token for the merchant app
// v3LimitedApp (registered with methods [alipay.trade.query]).
func limitedMerchantToken(t *testing.T, e *v3Env) *client.AuthTokenResponse {
	t.Helper()
	var code struct {
		Code string `json:"app_auth_code"`
	}
	postJSON(t, e.srv.URL()+"/_mock/app-auth-codes", `{"app_id":"`+keys.DevAppID+`","merchant_app_id":"`+v3LimitedApp+`"}`, http.StatusCreated, &code)
	tok, err := e.c.ExchangeAppAuthCode(context.Background(), code.Code)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
