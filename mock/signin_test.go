package mock_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/web"
)

// The authorisation page of sign-in with Alipay, over HTTP: what it
// refuses, what it keeps from attackers (framing, forged or replayed
// consent, another redirect), and its redirect.

const pinnedApp = "2021000000000041" // auth_redirect_uri set

var signInToken = regexp.MustCompile(`name="form_token" value="([^"]+)"`)

func signInServer(t *testing.T) *mock.Server {
	t.Helper()
	return mock.NewTestServer(t, mock.Options{Apps: []apps.Spec{{AppID: pinnedApp,
		PublicKey: string(keys.DevFile("app_public_key.pem")), AuthRedirectURI: "https://shop.example/alipay/callback"}}})
}

func noRedirect() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func authorizeURL(srv *mock.Server, q url.Values) string {
	return srv.URL() + web.SignInPath + "?" + q.Encode()
}

func get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirect().Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func postForm(t *testing.T, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirect().PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestSignInPageRefuses(t *testing.T) {
	srv := signInServer(t)
	ok := url.Values{"app_id": {keys.DevAppID}, "scope": {"auth_user"}, "redirect_uri": {"http://127.0.0.1:9/cb"}}
	for _, tc := range []struct {
		name, key, value, want string
	}{
		{"unknown app", "app_id", "2021999999999999", "应用不存在"},
		{"no app", "app_id", "", "应用不存在"},
		{"bad scope", "scope", "auth_admin", "scope参数无效"},
		{"no scope", "scope", "", "scope参数无效"},
		{"javascript redirect", "redirect_uri", "javascript:alert(1)", "redirect_uri无效"},
		{"relative redirect", "redirect_uri", "//evil.example/cb", "redirect_uri无效"},
		{"long redirect", "redirect_uri", "https://a.example/" + strings.Repeat("a", 300), "redirect_uri无效"},
		{"long state", "state", strings.Repeat("s", 257), "state参数过长"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{}
			for k, v := range ok {
				q[k] = v
			}
			q.Set(tc.key, tc.value)
			resp, body := get(t, authorizeURL(srv, q))
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.want) || signInToken.MatchString(body) {
				t.Fatalf("HTTP %d, want 400 with %q and no form: %s", resp.StatusCode, tc.want, body)
			}
		})
	}
	// The app's authorisation callback pins the redirect's host.
	pinned := url.Values{"app_id": {pinnedApp}, "scope": {"auth_base"}, "redirect_uri": {"https://evil.example/alipay/callback"}}
	if resp, body := get(t, authorizeURL(srv, pinned)); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "授权回调地址") {
		t.Fatalf("foreign redirect for a pinned app: HTTP %d %s", resp.StatusCode, body)
	}
	pinned.Set("redirect_uri", "https://shop.example/alipay/callback?x=1")
	if resp, body := get(t, authorizeURL(srv, pinned)); resp.StatusCode != http.StatusOK || !signInToken.MatchString(body) {
		t.Fatalf("the app's own callback: HTTP %d %s", resp.StatusCode, body)
	}
}

// The callback pins the redirect's site: its scheme, host (either case)
// and port, https://h being https://h:443.
func TestSignInPageRedirectOnTheCallbacksSite(t *testing.T) {
	srv := signInServer(t) // pinnedApp's callback: https://shop.example/alipay/callback
	for _, tc := range []struct {
		redirect string
		ok       bool
	}{
		{"https://shop.example:443/alipay/callback", true},
		{"https://SHOP.Example:443/other", true},
		{"https://shop.example:8443/alipay/callback", false},
		{"http://shop.example/alipay/callback", false},
		{"http://shop.example:443/alipay/callback", false},
	} {
		q := url.Values{"app_id": {pinnedApp}, "scope": {"auth_base"}, "redirect_uri": {tc.redirect}}
		resp, body := get(t, authorizeURL(srv, q))
		if got := resp.StatusCode == http.StatusOK && signInToken.MatchString(body); got != tc.ok {
			t.Errorf("redirect_uri %s: HTTP %d, a form %v; want one %v: %s", tc.redirect, resp.StatusCode, got, tc.ok, body)
		}
	}
}

func TestSignInPageConsent(t *testing.T) {
	srv := signInServer(t)
	q := url.Values{"app_id": {keys.DevAppID}, "scope": {"auth_base,auth_user"}, "redirect_uri": {"https://shop.example/cb?keep=1"}, "state": {"a b&c"}}
	resp, body := get(t, authorizeURL(srv, q))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTP %d %s", resp.StatusCode, body)
	}
	h := resp.Header
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "script-src") || !strings.Contains(csp, "default-src 'none'") ||
		h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "same-origin" {
		t.Fatalf("headers %v", h)
	}
	if strings.Contains(body, "<script") || !strings.Contains(body, "公开信息") {
		t.Fatalf("page: %s", body)
	}
	token := signInToken.FindStringSubmatch(body)[1]
	post := srv.URL() + web.SignInPath

	// A forged post without the page's token gets nothing.
	if resp, _ := postForm(t, post, url.Values{"form_token": {"forged"}, "user_id": {"2088102177846890"}, "action": {"consent"}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("forged consent: HTTP %d", resp.StatusCode)
	}
	// A bad user id keeps the form open.
	if resp, body := postForm(t, post, url.Values{"form_token": {token}, "user_id": {"12345"}, "action": {"consent"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, token) {
		t.Fatalf("bad user id: HTTP %d %s", resp.StatusCode, body)
	}
	// A redirect_uri in the post is ignored: the form's own is used.
	resp, _ = postForm(t, post, url.Values{"form_token": {token}, "user_id": {"2088102177846890"}, "action": {"consent"},
		"redirect_uri": {"https://evil.example/"}})
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Host != "shop.example" || loc.Path != "/cb" {
		t.Fatalf("consent: HTTP %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	got := loc.Query()
	if got.Get("keep") != "1" || got.Get("state") != "a b&c" || got.Get("scope") != "auth_user" || got.Get("app_id") != keys.DevAppID ||
		got.Get("source") != "alipay_wallet" || len(got.Get("auth_code")) != 32 {
		t.Fatalf("callback query %v", got)
	}
	// The form is spent.
	if resp, _ := postForm(t, post, url.Values{"form_token": {token}, "user_id": {"2088102177846890"}, "action": {"consent"}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("replayed consent: HTTP %d", resp.StatusCode)
	}
}

func TestSignInPageDecline(t *testing.T) {
	srv := signInServer(t)
	_, body := get(t, authorizeURL(srv, url.Values{"app_id": {keys.DevAppID}, "scope": {"auth_base"}, "redirect_uri": {"https://shop.example/cb"}}))
	token := signInToken.FindStringSubmatch(body)[1]
	resp, body := postForm(t, srv.URL()+web.SignInPath, url.Values{"form_token": {token}, "action": {"decline"}})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" || !strings.Contains(body, "已取消授权") {
		t.Fatalf("decline: HTTP %d %s", resp.StatusCode, body)
	}
	if resp, _ := postForm(t, srv.URL()+web.SignInPath, url.Values{"form_token": {token}, "action": {"consent"}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("consent after decline: HTTP %d", resp.StatusCode)
	}
}

// The page reads at most MaxPageBody of a post.
func TestSignInPageBodyLimit(t *testing.T) {
	srv := signInServer(t)
	big := "form_token=" + strings.Repeat("a", mock.MaxPageBody+1)
	resp, err := http.Post(srv.URL()+web.SignInPath, "application/x-www-form-urlencoded", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized post: HTTP %d", resp.StatusCode)
	}
}
