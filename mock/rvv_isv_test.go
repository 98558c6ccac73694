package mock_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
)

// The mock counts alipay.open.* as the ISV's own methods, not the
// merchant's (auth_methods leaves them out), yet admit holds every call
// that carries app_auth_token to the merchant app's methods: an ISV whose
// per-merchant client sends the token on every call (Java's
// execute(request, null, appAuthToken), the Go client's Config.AppAuthToken)
// asks alipay.open.auth.token.app.query about that very token and gets
// 40006 isv.insufficient-user-permissions instead of its status.
func TestRvvTokenQueryWithTheTokenIsNotHeldToTheMerchantsMethods(t *testing.T) {
	ctx := context.Background()
	e := newV3Env(t)
	var code struct {
		Code string `json:"app_auth_code"`
	}
	postJSON(t, e.srv.URL()+"/_mock/app-auth-codes", `{"app_id":"`+keys.DevAppID+`","merchant_app_id":"`+v3LimitedApp+`"}`, http.StatusCreated, &code)
	tok, err := e.c.ExchangeAppAuthCode(ctx, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		client.Response
		Status string `json:"status"`
	}
	err = e.c.Do(ctx, "alipay.open.auth.token.app.query", map[string]string{"app_auth_token": tok.AppAuthToken}, &out, client.WithAppAuthToken(tok.AppAuthToken))
	if err != nil || out.Status != "valid" {
		t.Fatalf("token query carrying the token: %+v %v", out, err)
	}
}
