package mock_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// A browser that kept the cookie of an earlier --control-token (the mock
// restarted with a new one, another mock on the same host and port) opens
// /_mock/ui?token=NEW as docs/security.md says: the new token must let it
// in and replace the cookie. The stale cookie wins over ?token= instead,
// so the dashboard answers 401/403 until the user clears cookies by hand.
func TestRvtTokenInQueryReplacesAStaleCookie(t *testing.T) {
	h := newHarness(t, mock.Options{ControlToken: "new-secret"})
	// Not loopback by name: only the token opens it.
	const host = "mock.lan:8080"
	status, body, _ := h.do(request{path: "/_mock/ui?token=new-secret", host: host})
	if status != http.StatusOK {
		t.Fatalf("no cookie, ?token=: HTTP %d, want 200: %.200s", status, body)
	}
	status, body, hdr := h.do(request{path: "/_mock/ui?token=new-secret", host: host,
		header: map[string]string{"Cookie": "alipay_mock_token=old-secret"}})
	if status != http.StatusOK {
		t.Fatalf("stale cookie, right ?token=: HTTP %d, want 200 and the cookie replaced: %.200s", status, body)
	}
	if !strings.Contains(hdr.Get("Set-Cookie"), "alipay_mock_token=new-secret") {
		t.Fatalf("the stale cookie is not replaced: Set-Cookie %q", hdr.Get("Set-Cookie"))
	}
}

// The auth-scheme of Authorization is case-insensitive (RFC 9110 §11.1):
// "bearer TOKEN" is the same credentials as "Bearer TOKEN", and some
// HTTP libraries and proxies write it so. The guard cuts the exact prefix
// "Bearer " and answers 403 to the right token.
func TestRvtBearerSchemeIsCaseInsensitive(t *testing.T) {
	h := newHarness(t, mock.Options{ControlToken: "s3cret"})
	for _, auth := range []string{"Bearer s3cret", "bearer s3cret", "BEARER s3cret"} {
		status, body, _ := h.do(request{path: "/_mock/health", host: "mock.lan",
			header: map[string]string{"Authorization": auth}})
		if status != http.StatusOK {
			t.Errorf("Authorization: %s: HTTP %d, want 200: %.120s", auth, status, body)
		}
	}
}

// A --control-token with a byte a cookie cannot hold (';', '"', '\\',
// a space or a non-ASCII letter: a pass phrase, a token a secret manager
// made) is accepted at start and by /_mock/ui?token=, which then sets a
// cookie net/http silently strips ("ab;cd" becomes "abcd"): the next
// page of the dashboard answers 403. Either refuse such a token at start
// or keep a cookie of something else (a hash of the token).
func TestRvtDashboardCookieWorksForEveryToken(t *testing.T) {
	h := newHarness(t, mock.Options{ControlToken: "ab;cd"})
	status, body, hdr := h.do(request{path: "/_mock/ui?token=" + url.QueryEscape("ab;cd"), host: "mock.lan"})
	if status != http.StatusOK {
		t.Fatalf("?token=: HTTP %d: %.120s", status, body)
	}
	cookie, _, _ := strings.Cut(hdr.Get("Set-Cookie"), ";")
	status, body, _ = h.do(request{path: "/_mock/ui/trades", host: "mock.lan", header: map[string]string{"Cookie": cookie}})
	if status != http.StatusOK {
		t.Fatalf("the next page with the cookie %q the mock set: HTTP %d, want 200: %.120s", cookie, status, body)
	}
}

// An ISV app sends the merchant's browser to Alipay's app authorisation
// page, https://openauth.alipay.com/oauth2/appToAppAuth.htm?app_id=APPID&redirect_uri=ENCODED_URL,
// which redirects to redirect_uri with app_id and app_auth_code
// (https://yq.aliyun.com/articles/711117, https://www.cnblogs.com/w10234/p/5458789.html).
// The mock serves openauth.alipay.com (Transport, --tls) and sign-in's
// publicAppAuthorize.htm there, but not this page: the ISV's onboarding
// in a browser gets the control API's JSON 404, and only
// POST /_mock/app-auth-codes stands in for it.
func TestRvtAppToAppAuthPageIsServed(t *testing.T) {
	h := newHarness(t, mock.Options{})
	status, body, _ := h.do(request{path: "/oauth2/appToAppAuth.htm?app_id=9021000100000001&redirect_uri=" +
		url.QueryEscape("https://isv.example/callback")})
	if status != http.StatusOK || !strings.Contains(body, "<form") {
		t.Fatalf("GET /oauth2/appToAppAuth.htm: HTTP %d, want the authorisation page: %.200s", status, body)
	}
}

// A token read from a file with its trailing newline (a Kubernetes Secret
// made with --from-file, ALIPAY_MOCK_CONTROL_TOKEN from an env file) is
// taken as it is, and no client can ever show it: an HTTP header cannot
// carry "\n" (Go's client refuses to send it, servers trim it), so every
// call answers 401/403 and healthcheck fails with "invalid header field
// value". The mock should trim the token, or refuse at start one that no
// header can carry.
func TestRvtTokenWithATrailingNewlineCanBeShown(t *testing.T) {
	h := newHarness(t, mock.Options{ControlToken: "s3cret\n"})
	for _, hdr := range []map[string]string{{"X-Alipay-Mock-Token": "s3cret"}, {"Authorization": "Bearer s3cret"}} {
		status, body, _ := h.do(request{path: "/_mock/health", host: "mock.lan", header: hdr})
		if status != http.StatusOK {
			t.Errorf("%v with --control-token \"s3cret\\n\": HTTP %d: %.100s", hdr, status, body)
		}
	}
}
