package mock_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// Production's open ids use a URL-safe base64 alphabet: "-" and "_" appear in
// them (083luGU2ef8yeC95sroZ9WGyojnYtj3lBoBA6lY_2PlBrU4, a captured
// alipay.system.oauth.token answer of 2025 that docs/sign-in.md's example
// comes from; 083dALza2Yowfx4P-z2Ut1FpAQjtjJ-_sW8m87-yqXIfKsb in another).
// An app that validates or stores open ids as [0-9A-Za-z]{47} must fail on
// the mock as on production. Of 30 users' open ids, production's alphabet
// leaves none with "-" or "_" with a chance of about 0.25^30.
func TestOpenIDAlphabet(t *testing.T) {
	pub := string(keys.DevFile("app_public_key.pem"))
	const app = "2021000000000032"
	m := mocktest.New(t, mock.Options{Apps: []apps.Spec{{AppID: app, PublicKey: pub, UserIDType: "open_id"}}})
	for i := 0; i < 30; i++ {
		var code struct {
			Code string `json:"auth_code"`
		}
		m.ControlJSON(http.MethodPost, "/user-auth-codes", `{"app_id":"`+app+`"}`, http.StatusCreated, &code)
		b := m.Post(m.Params("alipay.system.oauth.token", "", func(p map[string]string) {
			p["app_id"], p["grant_type"], p["code"] = app, "authorization_code", code.Code
		}))
		var out struct {
			Node struct {
				OpenID string `json:"open_id"`
			} `json:"alipay_system_oauth_token_response"`
		}
		if err := json.Unmarshal(b, &out); err != nil || len(out.Node.OpenID) != 47 {
			t.Fatalf("exchange: %s", b)
		}
		if strings.ContainsAny(out.Node.OpenID, "-_") {
			return
		}
	}
	t.Error(`30 open ids, none with "-" or "_": not production's alphabet`)
}
