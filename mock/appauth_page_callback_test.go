package mock_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/web"
)

// appAuthConsent opens the ISV's app authorisation page with q, clicks
// Allow and returns the callback's query.
func appAuthConsent(t *testing.T, m *mocktest.Mock, q url.Values) url.Values {
	t.Helper()
	resp, body := get(t, m.URL+web.AppAuthPath+"?"+q.Encode())
	if resp.StatusCode != http.StatusOK || !signInToken.MatchString(body) {
		t.Fatalf("GET %s: HTTP %d %.300s", web.AppAuthPath, resp.StatusCode, body)
	}
	resp, _ = postForm(t, m.URL+web.AppAuthPath, url.Values{"form_token": {signInToken.FindStringSubmatch(body)[1]}, "action": {"consent"}})
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("consent: HTTP %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query()
}

// Production's callback after 第三方应用授权 carries source=alipay_app_auth
// beside app_id and app_auth_code: callbacks logged by ISVs read
// "{source=alipay_app_auth, app_id=2019011162891191, app_auth_code=…}",
// and "真实回调只包含 app_auth_code=… app_id=… source=alipay_app_auth". One
// callback URL often serves sign-in (source=alipay_wallet) and app
// authorisation, told apart by source. The control API's redirect is the
// same URL.
func TestAppAuthPageCallbackCarriesSource(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	got := appAuthConsent(t, m, url.Values{"app_id": {keys.DevAppID}, "redirect_uri": {"https://isv.example/cb"}})
	if got.Get("app_auth_code") == "" || got.Get("app_id") != keys.DevAppID || got.Get("source") != "alipay_app_auth" {
		t.Fatalf("callback query %v: want source=alipay_app_auth with app_id and app_auth_code, as production sends", got)
	}
	var out struct {
		Redirect string `json:"redirect"`
	}
	postJSON(t, m.URL+"/_mock/app-auth-codes", `{"app_id":"`+keys.DevAppID+`","redirect_uri":"https://isv.example/cb","state":"s1"}`, http.StatusCreated, &out)
	u, err := url.Parse(out.Redirect)
	if err != nil || u.Query().Get("source") != "alipay_app_auth" || u.Query().Get("state") != "s1" {
		t.Fatalf("control API's redirect %q: want the page's callback", out.Redirect)
	}
}

// An ISV's authorisation link carries state to tie the callback to its
// own session (".../appToAppAuth.htm?app_id=%s&redirect_uri=%s&state=%s"
// in ISV code, whose callback reads the state parameter): the page keeps
// it with the one-time form and sends it back, bounded as sign-in's.
func TestAppAuthPageReturnsState(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	got := appAuthConsent(t, m, url.Values{"app_id": {keys.DevAppID}, "redirect_uri": {"https://isv.example/cb"}, "state": {"park-42"}})
	if got.Get("state") != "park-42" {
		t.Fatalf("callback query %v: the ISV's state is lost", got)
	}
	q := url.Values{"app_id": {keys.DevAppID}, "redirect_uri": {"https://isv.example/cb"}, "state": {strings.Repeat("s", 257)}}
	if resp, body := get(t, m.URL+web.AppAuthPath+"?"+q.Encode()); resp.StatusCode != http.StatusBadRequest || signInToken.MatchString(body) {
		t.Fatalf("state of 257 bytes: HTTP %d, want 400 as sign-in's", resp.StatusCode)
	}
}

// The app authorisation page's error pages (unknown app, bad
// redirect_uri, a used form) are its own, 第三方应用授权, not the sign-in
// page's (Sign in with Alipay): a merchant authorising an ISV is not
// signing in.
func TestAppAuthPageErrorsAreTitledAsIt(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	resp, body := get(t, m.URL+web.AppAuthPath+"?"+url.Values{"app_id": {"2021999999999999"}, "redirect_uri": {"https://isv.example/cb"}}.Encode())
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown app: HTTP %d", resp.StatusCode)
	}
	if strings.Contains(body, "Sign in with Alipay") || !strings.Contains(body, "第三方应用授权") {
		t.Fatalf("unknown app: the sign-in page's error page: %.400s", body)
	}
	resp, body = postForm(t, m.URL+web.AppAuthPath, url.Values{"form_token": {"used"}, "action": {"consent"}})
	if resp.StatusCode != http.StatusBadRequest || strings.Contains(body, "Sign in with Alipay") || !strings.Contains(body, "第三方应用授权") {
		t.Fatalf("a used form: HTTP %d, the sign-in page's error page: %.400s", resp.StatusCode, body)
	}
}

// Alipay's 第三方应用授权 guide: "授权链接中配置的redirect_uri内容需要与应用中
// 配置的授权回调地址完全一样，否则无法正常授权", and "redirect_uri：必须是应用中设置
// 的授权回调地址" (第三方应用授权注意事项). With an auth_redirect_uri the page
// takes that string only: no other path, trailing slash or query (the
// sign-in page's looser rule, scheme and host, is not this page's).
func TestAppAuthPageRedirectMustBeTheAppsCallbackExactly(t *testing.T) {
	const cb = "https://isv.example/alipay/callback"
	m := mocktest.New(t, mock.Options{Apps: []apps.Spec{{AppID: pinnedApp,
		PublicKey: string(keys.DevFile("app_public_key.pem")), AuthRedirectURI: cb}}})
	for _, r := range []string{"https://isv.example/somewhere/else", cb + "/", cb + "?x=1", "http://isv.example/alipay/callback"} {
		resp, body := get(t, m.URL+web.AppAuthPath+"?"+url.Values{"app_id": {pinnedApp}, "redirect_uri": {r}}.Encode())
		if resp.StatusCode != http.StatusBadRequest || signInToken.MatchString(body) || !strings.Contains(body, "授权回调地址") {
			t.Errorf("redirect_uri %s, off the app's 授权回调地址: HTTP %d, want 400 as production", r, resp.StatusCode)
		}
	}
	if got := appAuthConsent(t, m, url.Values{"app_id": {pinnedApp}, "redirect_uri": {cb}}); got.Get("app_auth_code") == "" {
		t.Fatalf("the app's 授权回调地址 itself: callback query %v", got)
	}
}

// POST /_mock/app-auth-codes with redirect_uri answers the URL the page
// would send the browser to, so it follows the page's rules: a redirect_uri
// the page refuses (not the app's auth_redirect_uri exactly, not http(s))
// or a state over 256 bytes is the control API's 400 and makes no code;
// the app's callback exactly gets one.
func TestControlAppAuthCodeRefusesWhatThePageRefuses(t *testing.T) {
	const cb = "https://isv.example/alipay/callback"
	m := mocktest.New(t, mock.Options{Apps: []apps.Spec{{AppID: pinnedApp,
		PublicKey: string(keys.DevFile("app_public_key.pem")), AuthRedirectURI: cb}}})
	codes := func() int {
		var mem struct {
			Codes struct{ Count int } `json:"app_auth_codes"`
		}
		getJSON(t, m.URL+"/_mock/memory", &mem)
		return mem.Codes.Count
	}
	for _, tc := range []struct{ name, body string }{
		{"another path than auth_redirect_uri", `{"app_id":"` + pinnedApp + `","redirect_uri":"https://attacker.example/x"}`},
		{"a trailing slash", `{"app_id":"` + pinnedApp + `","redirect_uri":"` + cb + `/"}`},
		{"not http(s)", `{"app_id":"` + keys.DevAppID + `","redirect_uri":"javascript:alert(1)"}`},
		{"state over 256 bytes", `{"app_id":"` + keys.DevAppID + `","redirect_uri":"https://isv.example/cb","state":"` + strings.Repeat("s", 257) + `"}`},
	} {
		var e struct{ Error string }
		postJSON(t, m.URL+"/_mock/app-auth-codes", tc.body, http.StatusBadRequest, &e)
		if e.Error == "" {
			t.Errorf("%s: no error in the answer", tc.name)
		}
	}
	if n := codes(); n != 0 {
		t.Fatalf("%d codes made for refused requests", n)
	}
	var ok struct{ Redirect string }
	postJSON(t, m.URL+"/_mock/app-auth-codes", `{"app_id":"`+pinnedApp+`","redirect_uri":"`+cb+`","state":"s1"}`, http.StatusCreated, &ok)
	if !strings.HasPrefix(ok.Redirect, cb+"?") {
		t.Errorf("the app's callback exactly: redirect %q", ok.Redirect)
	}
}

// POST /_mock/user-auth-codes stands in for the sign-in page: a
// redirect_uri or state the page would refuse is 400 (no code, no URL).
func TestControlUserAuthCodeRefusesWhatThePageRefuses(t *testing.T) {
	const cb = "https://merchant.example/alipay/signin"
	m := mocktest.New(t, mock.Options{Apps: []apps.Spec{{AppID: pinnedApp,
		PublicKey: string(keys.DevFile("app_public_key.pem")), AuthRedirectURI: cb}}})
	for _, tc := range []struct{ name, body string }{
		{"another host than auth_redirect_uri", `{"app_id":"` + pinnedApp + `","redirect_uri":"https://attacker.example/x"}`},
		{"not http(s)", `{"app_id":"` + keys.DevAppID + `","redirect_uri":"javascript:alert(1)"}`},
		{"state over 256 bytes", `{"app_id":"` + keys.DevAppID + `","redirect_uri":"https://merchant.example/cb","state":"` + strings.Repeat("s", 257) + `"}`},
	} {
		var e struct{ Error string }
		postJSON(t, m.URL+"/_mock/user-auth-codes", tc.body, http.StatusBadRequest, &e)
		if e.Error == "" {
			t.Errorf("%s: no error in the answer", tc.name)
		}
	}
	var ok struct{ Redirect string }
	postJSON(t, m.URL+"/_mock/user-auth-codes", `{"app_id":"`+pinnedApp+`","redirect_uri":"`+cb+`/done","state":"s1"}`, http.StatusCreated, &ok)
	if !strings.HasPrefix(ok.Redirect, cb+"/done?") || !strings.Contains(ok.Redirect, "state=s1") {
		t.Errorf("a path on the app's callback host: redirect %q", ok.Redirect)
	}
}

// The sign-in page takes scope "auth_base,auth_user" (both; the token then
// has auth_user, docs/sign-in.md), and POST /_mock/user-auth-codes is the
// page's consent without the page, refusing only what the page refuses.
func TestUserAuthCodeTakesThePagesScopes(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	q := "app_id=" + keys.DevAppID + "&scope=auth_base%2Cauth_user&redirect_uri=https%3A%2F%2Fshop.example%2Fcb"
	resp, err := http.Get(m.URL + "/oauth2/publicAppAuthorize.htm?" + q)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("page: HTTP %d", resp.StatusCode)
	}
	var code struct {
		Scope string `json:"scope"`
	}
	m.ControlJSON(http.MethodPost, "/user-auth-codes", `{"app_id":"`+keys.DevAppID+`","scope":"auth_base,auth_user"}`, http.StatusCreated, &code)
	if code.Scope != "auth_user" {
		t.Errorf("scope auth_base,auth_user: the code has %q, want auth_user as on the page", code.Scope)
	}
}

// The authorisation pages send the browser to redirect_uri with their
// parameters added; the app's own query must arrive as it sent it, even a
// pair Go's parser refuses (a ";", Go 1.17+) that url.Values would drop.
// Production appends its parameters to the URL the app gave.
func TestCallbackKeepsTheAppsQuery(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	const redirect = "https://shop.example/cb?ret=/orders;id=7"
	var user struct {
		Redirect string `json:"redirect"`
	}
	m.ControlJSON(http.MethodPost, "/user-auth-codes", map[string]string{"app_id": keys.DevAppID, "redirect_uri": redirect}, http.StatusCreated, &user)
	var isv struct {
		Redirect string `json:"redirect"`
	}
	m.ControlJSON(http.MethodPost, "/app-auth-codes", map[string]string{"app_id": keys.DevAppID, "redirect_uri": redirect}, http.StatusCreated, &isv)
	for name, got := range map[string]string{"sign-in": user.Redirect, "app authorisation": isv.Redirect} {
		if !strings.HasPrefix(got, redirect+"&") && !strings.Contains(got, "ret=%2Forders%3Bid%3D7") {
			t.Errorf("%s callback %s: the app's own query ret=/orders;id=7 is not kept", name, got)
		}
	}
}
