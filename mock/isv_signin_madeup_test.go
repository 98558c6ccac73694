package mock_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A merchant the app authorisation page authorises is one the mock makes up
// (its auth_app_id is no registered app). docs/sign-in.md: with an
// app_auth_token both sign-in methods act for the merchant's app and "the
// code must come from the merchant's app id". So the sign-in page and
// POST /_mock/user-auth-codes take that app id, and the ISV exchanges the
// code with the merchant's app_auth_token for the user who consented.
func TestISVSignInForAMadeUpMerchant(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	var ac struct {
		Code      string `json:"app_auth_code"`
		AuthAppID string `json:"auth_app_id"`
	}
	m.ControlJSON(http.MethodPost, "/app-auth-codes", `{"app_id":"`+keys.DevAppID+`"}`, http.StatusCreated, &ac)
	tok := m.Call("alipay.open.auth.token.app", `{"grant_type":"authorization_code","code":"`+ac.Code+`"}`)
	if tok["code"] != "10000" {
		t.Fatalf("exchange: %v", tok)
	}
	// The sign-in page for the merchant's app.
	q := url.Values{"app_id": {ac.AuthAppID}, "scope": {"auth_user"}, "redirect_uri": {"https://shop.example/cb"}}
	resp, err := http.Get(m.URL + "/oauth2/publicAppAuthorize.htm?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("sign-in page for the merchant's app: HTTP %d", resp.StatusCode)
	}
	// The merchant's user consents: a code of the merchant's app.
	const user = "2088102177846885"
	var code struct {
		Code string `json:"auth_code"`
	}
	m.ControlJSON(http.MethodPost, "/user-auth-codes", `{"app_id":"`+ac.AuthAppID+`","user_id":"`+user+`"}`, http.StatusCreated, &code)
	got := m.Verify("alipay.system.oauth.token", m.Post(m.Params("alipay.system.oauth.token", "", func(p map[string]string) {
		p["grant_type"], p["code"], p["app_auth_token"] = "authorization_code", code.Code, tok["app_auth_token"].(string)
	})), true)
	if got["user_id"] != user || got["access_token"] == nil {
		t.Errorf("the ISV's exchange with the merchant's token: %v, want user %s", got, user)
	}
}
