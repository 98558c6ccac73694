package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// audit --mock URL --control-token sends the token in a custom header
// with http.DefaultClient, which follows redirects and copies custom
// headers to whatever host a redirect names (net/http drops only
// Authorization, Cookie and WWW-Authenticate across hosts). healthcheck
// was fixed for exactly this (TestHealthcheckDoesNotFollowRedirects);
// audit still leaks the token to an ingress's canonical-host redirect or
// a moved service.
func TestRvtAuditDoesNotSendTheTokenWhereARedirectPoints(t *testing.T) {
	got := make(chan string, 4)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("X-Alipay-Mock-Token")
		http.Error(w, `{"error":"nope"}`, http.StatusTeapot)
	}))
	defer other.Close()
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1) // another host name
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, otherURL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer first.Close()
	_ = auditCmd([]string{"--mock", first.URL, "--control-token", "s3cret", "--notify-url", "http://127.0.0.1:1/notify"}, io.Discard, io.Discard)
	select {
	case tok := <-got:
		if tok != "" {
			t.Errorf("audit sent the control token %q to %s, the host a redirect named", tok, otherURL)
		}
	default:
	}
}
