package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// rvx: POST /_mock/app-auth-codes with redirect_uri answers "the URL the
// page would send the browser to" (docs/isv-cert-aes-bills.md) for a
// redirect_uri the page refuses: not the app's auth_redirect_uri exactly,
// not http(s), a state over 256 bytes. Sign-in's twin
// (/_mock/user-auth-codes) at least refuses a redirect_uri that is not
// http(s).
func TestRvxControlAppAuthCodeRedirectFollowsThePagesRules(t *testing.T) {
	const cb = "https://isv.example/alipay/callback"
	m := mocktest.New(t, mock.Options{Apps: []apps.Spec{{AppID: pinnedApp,
		PublicKey: string(keys.DevFile("app_public_key.pem")), AuthRedirectURI: cb}}})
	for _, tc := range []struct{ name, body string }{
		{"another path than auth_redirect_uri", `{"app_id":"` + pinnedApp + `","redirect_uri":"https://attacker.example/x"}`},
		{"not http(s)", `{"app_id":"` + keys.DevAppID + `","redirect_uri":"javascript:alert(1)"}`},
		{"state over 256 bytes", `{"app_id":"` + keys.DevAppID + `","redirect_uri":"https://isv.example/cb","state":"` + strings.Repeat("s", 257) + `"}`},
	} {
		resp, err := http.Post(m.URL+"/_mock/app-auth-codes", "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: HTTP %d, want 400 as the page refuses it", tc.name, resp.StatusCode)
		}
	}
}
