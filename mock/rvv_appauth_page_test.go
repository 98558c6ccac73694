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
// "?app_id=2021000000000318&source=alipay_app_auth&application_type=TINYAPP,WEBAPP&app_auth_code=…"
// (the comment of a Go SDK's OpenAuthTokenAppRequest), and "真实回调只包含
// app_auth_code=… app_id=… source=alipay_app_auth". One callback URL often
// serves sign-in (source=alipay_wallet, which the mock's sign-in page
// sends) and app authorisation, told apart by source; the mock's page
// sends none.
func TestRvvAppAuthPageCallbackCarriesSource(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	got := appAuthConsent(t, m, url.Values{"app_id": {keys.DevAppID}, "redirect_uri": {"https://isv.example/cb"}})
	if got.Get("app_auth_code") == "" || got.Get("source") != "alipay_app_auth" {
		t.Fatalf("callback query %v: want source=alipay_app_auth with app_id and app_auth_code, as production sends", got)
	}
}

// An ISV's authorisation link carries state to tie the callback to its
// own session (APP_TO_APP_AUTH_URL = ".../appToAppAuth.htm?app_id=%s&redirect_uri=%s&state=%s"
// in ISV code, whose callback reads request.getParameter("state")), as
// the sign-in page's does; the mock's page drops it silently, where its
// sign-in page returns it, and the docs say nothing of it.
func TestRvvAppAuthPageReturnsState(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	got := appAuthConsent(t, m, url.Values{"app_id": {keys.DevAppID}, "redirect_uri": {"https://isv.example/cb"}, "state": {"park-42"}})
	if got.Get("state") != "park-42" {
		t.Fatalf("callback query %v: the ISV's state is lost", got)
	}
}

// The app authorisation page's error pages (unknown app, bad
// redirect_uri, a used form) are titled and headed as the sign-in page
// (支付宝授权 Sign in with Alipay, 授权登录): a merchant authorising an ISV
// is told it is signing in. Its form and its Cancel page say 第三方应用授权.
func TestRvvAppAuthPageErrorsAreNotTitledSignIn(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	resp, body := get(t, m.URL+web.AppAuthPath+"?"+url.Values{"app_id": {"2021999999999999"}, "redirect_uri": {"https://isv.example/cb"}}.Encode())
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown app: HTTP %d", resp.StatusCode)
	}
	if strings.Contains(body, "Sign in with Alipay") || !strings.Contains(body, "第三方应用授权") {
		t.Fatalf("the app authorisation page's error page is the sign-in page's: %.400s", body)
	}
}

// Alipay's 第三方应用授权 guide: "授权链接中配置的redirect_uri内容需要与应用中
// 配置的授权回调地址完全一样，否则无法正常授权" (quoted from
// docs.open.alipay.com/20160728150111277227/intro in ISV code), and "redirect_uri：
// 必须是应用中设置的授权回调地址" (Alipay's 第三方应用授权注意事项). The mock's
// page takes sign-in's looser rule, scheme and host only: another path on
// the ISV's host is authorised, where production refuses it.
func TestRvvAppAuthPageRedirectMustBeTheCallback(t *testing.T) {
	m := mocktest.New(t, mock.Options{Apps: []apps.Spec{{AppID: pinnedApp,
		PublicKey: string(keys.DevFile("app_public_key.pem")), AuthRedirectURI: "https://isv.example/alipay/callback"}}})
	resp, body := get(t, m.URL+web.AppAuthPath+"?"+url.Values{"app_id": {pinnedApp}, "redirect_uri": {"https://isv.example/somewhere/else"}}.Encode())
	if resp.StatusCode != http.StatusBadRequest || signInToken.MatchString(body) {
		t.Fatalf("redirect_uri off the app's 授权回调地址 path: HTTP %d with a consent form, want 400 as production", resp.StatusCode)
	}
}
