package mock_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/appauth"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
	"github.com/alipay-mock/alipay-mock/mock/web"
)

// fairMock has a second app (pinnedApp, the dev key) beside the dev app,
// whose key is public: anyone reaching the mock can flood the pages with it.
func fairMock(t *testing.T, redirect string) *mocktest.Mock {
	return mocktest.New(t, mock.Options{Apps: []apps.Spec{{AppID: pinnedApp,
		PublicKey: string(keys.DevFile("app_public_key.pem")), AuthRedirectURI: redirect}}})
}

// pageForm opens a form on page (its one-time token), as a browser does.
func pageForm(t *testing.T, m *mocktest.Mock, page string, q url.Values) string {
	t.Helper()
	resp, body := get(t, m.URL+page+"?"+q.Encode())
	if resp.StatusCode != http.StatusOK || !signInToken.MatchString(body) {
		t.Fatalf("GET %s: HTTP %d %.200s", page, resp.StatusCode, body)
	}
	return signInToken.FindStringSubmatch(body)[1]
}

// consentCode posts the consent to form and returns the callback's param.
func consentCode(t *testing.T, m *mocktest.Mock, page, form, param string) string {
	t.Helper()
	resp, body := postForm(t, m.URL+page, url.Values{"form_token": {form}, "action": {"consent"}, "user_id": {"2088102177846890"}})
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get(param) == "" {
		t.Fatalf("consent on %s: HTTP %d to %q %.200s", page, resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return loc.Query().Get(param)
}

// as is a request of app signed with the dev key, with params set.
func as(m *mocktest.Mock, app, method, biz string, params map[string]string) map[string]any {
	m.T.Helper()
	return m.Verify(method, m.Post(m.Params(method, biz, func(p map[string]string) {
		p["app_id"] = app
		for k, v := range params {
			p[k] = v
		}
	})), true)
}

// A flood of the public app authorisation page through the dev app, past
// the bounds on forms and codes, evicts the dev app's own oldest: another
// ISV's open form and pending app_auth_code still work, as does the
// flood's newest code.
func TestAppAuthPageFloodKeepsOtherApps(t *testing.T) {
	const cb = "https://isv.example/alipay/callback"
	m := fairMock(t, cb)
	other := url.Values{"app_id": {pinnedApp}, "redirect_uri": {cb}}
	pending := consentCode(t, m, web.AppAuthPath, pageForm(t, m, web.AppAuthPath, other), "app_auth_code")
	open := pageForm(t, m, web.AppAuthPath, other)

	dev := url.Values{"app_id": {keys.DevAppID}, "redirect_uri": {"https://attacker.example/"}}
	for range userauth.MaxForms {
		pageForm(t, m, web.AppAuthPath, dev)
	}
	var first, last string
	for i := range appauth.MaxCodes {
		last = consentCode(t, m, web.AppAuthPath, pageForm(t, m, web.AppAuthPath, dev), "app_auth_code")
		if i == 0 {
			first = last
		}
	}

	exchange := func(app, code string) map[string]any {
		return as(m, app, "alipay.open.auth.token.app", `{"grant_type":"authorization_code","code":"`+code+`"}`, nil)
	}
	if res := exchange(pinnedApp, pending); res["code"] != "10000" {
		t.Errorf("the other app's pending code after the flood: %v", res)
	}
	if res := exchange(keys.DevAppID, last); res["code"] != "10000" {
		t.Errorf("the flood's newest code: %v", res)
	}
	if res := exchange(keys.DevAppID, first); res["sub_code"] != "AUTH_CODE_NOT_EXIST" {
		t.Errorf("the flood's oldest code past the bound: %v", res)
	}
	if code := consentCode(t, m, web.AppAuthPath, open, "app_auth_code"); exchange(pinnedApp, code)["code"] != "10000" {
		t.Errorf("the other app's form after the flood did not give a working code")
	}
}

// The same through the public sign-in page: another app's open form and
// pending auth_code outlive the dev app's flood.
func TestSignInPageFloodKeepsOtherApps(t *testing.T) {
	const cb = "https://shop.example/alipay/callback"
	m := fairMock(t, cb)
	other := url.Values{"app_id": {pinnedApp}, "scope": {"auth_base"}, "redirect_uri": {cb}}
	pending := consentCode(t, m, web.SignInPath, pageForm(t, m, web.SignInPath, other), "auth_code")
	open := pageForm(t, m, web.SignInPath, other)

	dev := url.Values{"app_id": {keys.DevAppID}, "scope": {"auth_base"}, "redirect_uri": {"https://attacker.example/"}}
	for range userauth.MaxForms {
		pageForm(t, m, web.SignInPath, dev)
	}
	var first, last string
	for i := range userauth.MaxCodes {
		last = consentCode(t, m, web.SignInPath, pageForm(t, m, web.SignInPath, dev), "auth_code")
		if i == 0 {
			first = last
		}
	}

	exchange := func(app, code string) map[string]any {
		return as(m, app, "alipay.system.oauth.token", "", map[string]string{"grant_type": "authorization_code", "code": code})
	}
	if res := exchange(pinnedApp, pending); res["access_token"] == nil {
		t.Errorf("the other app's pending code after the flood: %v", res)
	}
	if res := exchange(keys.DevAppID, last); res["access_token"] == nil {
		t.Errorf("the flood's newest code: %v", res)
	}
	if res := exchange(keys.DevAppID, first); res["sub_code"] != "isv.code-invalid" {
		t.Errorf("the flood's oldest code past the bound: %v", res)
	}
	if code := consentCode(t, m, web.SignInPath, open, "auth_code"); exchange(pinnedApp, code)["access_token"] == nil {
		t.Errorf("the other app's form after the flood did not give a working code")
	}
}
