package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// A repeatable flag's command-line value is now taken whole, so
// `--allowed-host a.test,b.test` (which allowed both hosts before) is one
// entry "a.test,b.test" that matches no Host: the mock starts and answers
// 403 to both names, without a word. A value with a comma is no host name:
// it should be refused at start-up (or, if taken, allow what it names).
func TestRvfAllowedHostWithACommaIsNotSilentlyNoHost(t *testing.T) {
	bin := buildBinary(t)
	started, _ := serveStarts(t, bin, "--allowed-host", "a.test,b.test")
	if !started {
		return // refused: the user is told to repeat the flag
	}
	base := startBinary(t, bin, nil, "serve", "--addr", "127.0.0.1:0", "--no-dev-app", "--allowed-host", "a.test,b.test")
	req, _ := http.NewRequest(http.MethodGet, base+"/_mock/health", nil)
	req.Host = "a.test"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("serve --allowed-host a.test,b.test started, and Host a.test got %d: want the value refused at start-up (a comma is in no host name) or a.test allowed", resp.StatusCode)
	}
}

// --tls-host must be a host name or IP address (docs/configuration.md),
// and a command-line value is taken whole now: `--tls-host a.test,b.test`
// (two names before) puts the one name "a.test,b.test" in the certificate
// and starts.
func TestRvfTLSHostWithACommaRefused(t *testing.T) {
	bin := buildBinary(t)
	if started, _ := serveStarts(t, bin, "--ca-dir", t.TempDir(), "--tls-addr", "127.0.0.1:0", "--tls-host", "a.test,b.test"); started {
		t.Error(`serve --tls-host "a.test,b.test" started: want it refused (no host name has a comma; repeat the flag)`)
	}
}

// An empty ALIPAY_MOCK_NOTIFY_SCHEDULE (a compose file's `${X:-}`) was the
// default schedule and is refused now: the refusal should name the
// variable the user set (as parse's errors do: "ALIPAY_MOCK_…: …") and be
// a usage error (exit 2) as the other refused values are; it says
// `--notify-schedule: "" names no wait`, a flag never given, exit 1.
func TestRvfEmptyNotifyScheduleVariableNamesTheVariable(t *testing.T) {
	t.Setenv("ALIPAY_MOCK_NOTIFY_SCHEDULE", "")
	code, _, errs := runCLI(t, "", "serve", "--addr", "127.0.0.1:0", "--no-dev-app")
	if code != 2 || !strings.Contains(errs, "ALIPAY_MOCK_NOTIFY_SCHEDULE") {
		t.Errorf("empty ALIPAY_MOCK_NOTIFY_SCHEDULE: exit %d %q; want exit 2 naming ALIPAY_MOCK_NOTIFY_SCHEDULE", code, strings.TrimSpace(errs))
	}
}

// --public-url must be an absolute http(s) base URL a browser opens
// (docs/configuration.md; serve and mock.Start check it with
// mock.CheckPublicURL): a port out of range or an empty query (qr_code and
// cashier paths then go after the "?") passes the check.
func TestRvfPublicURLCheckTakesURLsNoBrowserOpens(t *testing.T) {
	for _, v := range []string{"http://localhost:99999", "http://localhost:8080/?"} {
		if err := mock.CheckPublicURL(v); err == nil {
			t.Errorf("mock.CheckPublicURL(%q) = nil, want it refused", v)
		}
	}
}
