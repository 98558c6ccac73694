package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// healthcheck does not follow redirects: the control token goes in a
// custom header, which net/http copies to any host a redirect names (it
// drops only Authorization, Cookie and WWW-Authenticate across hosts), so
// an ingress's canonical-host redirect or a moved service would get it.
func TestHealthcheckDoesNotFollowRedirects(t *testing.T) {
	got := make(chan string, 1)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("X-Alipay-Mock-Token")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	}))
	defer other.Close()
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1) // another host name
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, otherURL+r.URL.Path, http.StatusFound)
	}))
	defer first.Close()
	t.Setenv("ALIPAY_MOCK_CONTROL_TOKEN", "")
	err := healthcheck([]string{"--url", first.URL, "--control-token", "s3cret"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "redirect") || !strings.Contains(err.Error(), otherURL) {
		t.Errorf("healthcheck against a redirect: %v, want unhealthy naming the redirect and its Location %s", err, otherURL)
	}
	select {
	case tok := <-got:
		if tok != "" {
			t.Errorf("healthcheck sent the control token %q to %s, the host a redirect named", tok, otherURL)
		}
	default:
	}
}
