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

// An ISV sends the merchant's browser to Alipay's app authorisation page,
// https://openauth.alipay.com/oauth2/appToAppAuth.htm?app_id=…&redirect_uri=…,
// which redirects to redirect_uri with app_id and app_auth_code. The mock
// serves it at the same path with sign-in's rules: redirect_uri http(s)
// only (on the app's auth_redirect_uri when it has one), a one-time form,
// never framed; the code it hands out is exchanged as the control API's.
func TestAppAuthorisationPage(t *testing.T) {
	m := mocktest.New(t, mock.Options{Apps: []apps.Spec{{AppID: pinnedApp,
		PublicKey: string(keys.DevFile("app_public_key.pem")), AuthRedirectURI: "https://isv.example/alipay/callback"}}})
	page := func(q url.Values) string { return m.URL + web.AppAuthPath + "?" + q.Encode() }
	for _, tc := range []struct {
		name string
		q    url.Values
		want string
	}{
		{"unknown app", url.Values{"app_id": {"2021999999999999"}, "redirect_uri": {"https://isv.example/cb"}}, "应用不存在"},
		{"javascript redirect", url.Values{"app_id": {keys.DevAppID}, "redirect_uri": {"javascript:alert(1)"}}, "redirect_uri无效"},
		{"no redirect", url.Values{"app_id": {keys.DevAppID}}, "redirect_uri无效"},
		{"off the app's callback", url.Values{"app_id": {pinnedApp}, "redirect_uri": {"https://evil.example/alipay/callback"}}, "授权回调地址"},
	} {
		if resp, body := get(t, page(tc.q)); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.want) || signInToken.MatchString(body) {
			t.Errorf("%s: HTTP %d, want 400 with %q and no form: %.300s", tc.name, resp.StatusCode, tc.want, body)
		}
	}

	resp, body := get(t, page(url.Values{"app_id": {keys.DevAppID}, "redirect_uri": {"https://isv.example/cb?keep=1"}}))
	if resp.StatusCode != http.StatusOK || !signInToken.MatchString(body) || strings.Contains(body, "<script") {
		t.Fatalf("GET %s: HTTP %d, want the authorisation form: %.300s", web.AppAuthPath, resp.StatusCode, body)
	}
	if h := resp.Header; !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || h.Get("X-Frame-Options") != "DENY" {
		t.Errorf("headers %v", h)
	}
	token := signInToken.FindStringSubmatch(body)[1]
	post := m.URL + web.AppAuthPath
	// The sign-in page takes none of this page's forms, and this page
	// none of sign-in's.
	if resp, _ := postForm(t, m.URL+web.SignInPath, url.Values{"form_token": {token}, "action": {"consent"}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("this page's form posted to sign-in: HTTP %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, signIn := get(t, m.URL+web.SignInPath+"?"+url.Values{"app_id": {keys.DevAppID}, "scope": {"auth_base"}, "redirect_uri": {"https://shop.example/cb"}}.Encode())
	if resp, _ := postForm(t, post, url.Values{"form_token": {signInToken.FindStringSubmatch(signIn)[1]}, "action": {"consent"}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("sign-in's form posted here: HTTP %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := postForm(t, post, url.Values{"form_token": {"forged"}, "action": {"consent"}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("forged consent: HTTP %d", resp.StatusCode)
	}

	resp, _ = postForm(t, post, url.Values{"form_token": {token}, "action": {"consent"}, "redirect_uri": {"https://evil.example/"}})
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Host != "isv.example" || loc.Path != "/cb" {
		t.Fatalf("consent: HTTP %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	got := loc.Query()
	if got.Get("keep") != "1" || got.Get("app_id") != keys.DevAppID || got.Get("app_auth_code") == "" {
		t.Fatalf("callback query %v", got)
	}
	res := m.Call("alipay.open.auth.token.app", `{"grant_type":"authorization_code","code":"`+got.Get("app_auth_code")+`"}`)
	if res["code"] != "10000" || res["app_auth_token"] == nil {
		t.Fatalf("exchanging the page's code: %v", res)
	}
	if resp, _ := postForm(t, post, url.Values{"form_token": {token}, "action": {"consent"}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("replayed consent: HTTP %d", resp.StatusCode)
	}

	// Cancel ends it on the page.
	_, body = get(t, page(url.Values{"app_id": {keys.DevAppID}, "redirect_uri": {"https://isv.example/cb"}}))
	resp, body = postForm(t, post, url.Values{"form_token": {signInToken.FindStringSubmatch(body)[1]}, "action": {"decline"}})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" || !strings.Contains(body, "已取消授权") {
		t.Fatalf("decline: HTTP %d %.200s", resp.StatusCode, body)
	}
}
