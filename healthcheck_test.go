package main

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// healthcheck shows the control token (--control-token, or
// ALIPAY_MOCK_CONTROL_TOKEN, which the serve command in the same container
// reads), so it can check a guarded mock it does not reach as a loopback
// client under a loopback name: through a proxy naming the mock by its
// service name, or on a pod's address. Without the token it fails, and
// says why.
func TestHealthcheckSendsTheControlToken(t *testing.T) {
	srv, err := mock.Start(mock.Options{Addr: "127.0.0.1:0", ControlToken: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// A proxy on loopback that names the mock by a service name, as a
	// sidecar or another container does.
	up, _ := url.Parse(srv.URL())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ps := &http.Server{Handler: &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(up)
		r.Out.Host = "alipay-mock:" + up.Port()
	}}}
	go ps.Serve(ln)
	defer ps.Close()
	bases := []string{"http://" + ln.Addr().String()}
	if ip := lanIPv4(); ip != "" {
		lan, err := mock.Start(mock.Options{Addr: net.JoinHostPort(ip, "0"), ControlToken: "secret"})
		if err != nil {
			t.Fatal(err)
		}
		defer lan.Close()
		bases = append(bases, lan.URL())
	}
	for _, base := range bases {
		var out, errb bytes.Buffer
		t.Setenv("ALIPAY_MOCK_CONTROL_TOKEN", "")
		if code := run([]string{"healthcheck", "--url", base}, &out, &errb); code == 0 || !strings.Contains(errb.String(), "HTTP 403") || !strings.Contains(errb.String(), "control token") {
			t.Errorf("healthcheck --url %s without the token: exit %d: %s%s, want a failure naming the control token", base, code, out.String(), errb.String())
		}
		out.Reset()
		errb.Reset()
		if code := run([]string{"healthcheck", "--url", base, "--control-token", "secret"}, &out, &errb); code != 0 || strings.TrimSpace(out.String()) != "ok" {
			t.Errorf("healthcheck --url %s --control-token: exit %d: %s%s", base, code, out.String(), errb.String())
		}
		out.Reset()
		errb.Reset()
		t.Setenv("ALIPAY_MOCK_CONTROL_TOKEN", "secret")
		if code := run([]string{"healthcheck", "--url", base}, &out, &errb); code != 0 || strings.TrimSpace(out.String()) != "ok" {
			t.Errorf("healthcheck --url %s with ALIPAY_MOCK_CONTROL_TOKEN set: exit %d: %s%s", base, code, out.String(), errb.String())
		}
		out.Reset()
		errb.Reset()
		if code := run([]string{"healthcheck", "--url", base, "--control-token", "wrong"}, &out, &errb); code == 0 || !strings.Contains(errb.String(), "unhealthy: HTTP 403") {
			t.Errorf("healthcheck --url %s --control-token wrong: exit %d: %s%s, want a failure, HTTP 403", base, code, out.String(), errb.String())
		}
	}
}

// lanIPv4 is a non-loopback IPv4 address of this machine, or "".
func lanIPv4() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	return ""
}

// A token read from a file ends in a newline: healthcheck and audit send
// it without, as serve takes it; serve refuses one that still holds a
// control character, saying so, instead of starting with a token no
// client can send.
func TestControlTokenFromAFile(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("X-Alipay-Mock-Token")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	}))
	defer srv.Close()
	t.Setenv("ALIPAY_MOCK_CONTROL_TOKEN", "s3cret\n")
	if code, _, errs := runCLI(t, "", "healthcheck", "--url", srv.URL); code != 0 {
		t.Fatalf("healthcheck: exit %d: %s", code, errs)
	}
	if tok := <-got; tok != "s3cret" {
		t.Errorf("healthcheck sent %q, want s3cret", tok)
	}
	t.Setenv("ALIPAY_MOCK_CONTROL_TOKEN", "s3c\nret")
	if code, _, errs := runCLI(t, "", "serve", "--addr", "127.0.0.1:0"); code == 0 || !strings.Contains(errs, "--control-token holds a control character") {
		t.Errorf("serve with a token holding a newline: exit %d: %s", code, errs)
	}
}
