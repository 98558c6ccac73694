package main

import (
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// A repeatable flag's command-line value is taken whole, so
// `--allowed-host a.test,b.test` would be one entry matching no Host (both
// names 403, without a word): it is refused at start-up, telling the user
// to repeat the flag.
func TestAllowedHostWithACommaRefused(t *testing.T) {
	bin := buildBinary(t)
	code, errs := serveExit(t, bin, nil, "--allowed-host", "a.test,b.test")
	wantRefused(t, "serve --allowed-host a.test,b.test", code, errs, 1, "--allowed-host")
	if !strings.Contains(errs, "repeat the flag") {
		t.Errorf("serve --allowed-host a.test,b.test: %q; want it to say to repeat the flag", strings.TrimSpace(errs))
	}
}

// --tls-host must be a host name or IP address (docs/configuration.md),
// and a command-line value is taken whole: `--tls-host a.test,b.test`
// would put the one name "a.test,b.test" in the certificate.
func TestTLSHostWithACommaRefused(t *testing.T) {
	bin := buildBinary(t)
	code, errs := serveExit(t, bin, nil, "--ca-dir", t.TempDir(), "--tls-addr", "127.0.0.1:0", "--tls-host", "a.test,b.test")
	wantRefused(t, "serve --tls-host a.test,b.test", code, errs, 1, "--tls-host")
	if !strings.Contains(errs, "repeat the flag") {
		t.Errorf("serve --tls-host a.test,b.test: %q; want it to say to repeat the flag (no host name has a comma)", strings.TrimSpace(errs))
	}
}

// An empty ALIPAY_MOCK_NOTIFY_SCHEDULE (a compose file's `${X:-}`) is
// refused naming the variable the user set, not a --notify-schedule never
// given, and is a usage error (exit 2) as the flag's refusal is.
func TestEmptyNotifyScheduleVariableRefusedNamingIt(t *testing.T) {
	// The built binary, not run in-process: a serve that started would block.
	code, errs := serveExit(t, buildBinary(t), []string{"ALIPAY_MOCK_NOTIFY_SCHEDULE="})
	wantRefused(t, "serve with ALIPAY_MOCK_NOTIFY_SCHEDULE empty", code, errs, 2, "ALIPAY_MOCK_NOTIFY_SCHEDULE")
}

// --public-url must be an absolute http(s) base URL a browser opens
// (docs/configuration.md; serve and mock.Start check it with
// mock.CheckPublicURL): a port out of range, or a query or fragment even
// empty (qr_code and cashier paths would go after the "?" or "#"), is
// refused.
func TestPublicURLWithABadPortOrAQueryRefused(t *testing.T) {
	for _, v := range []string{"http://localhost:99999", "http://localhost:0", "http://localhost:", "http://localhost:8080/?", "http://localhost:8080/#"} {
		if err := mock.CheckPublicURL(v); err == nil {
			t.Errorf("mock.CheckPublicURL(%q) = nil, want it refused", v)
		}
	}
	for _, v := range []string{"http://localhost:8080", "https://mock.test/base/", "http://[::1]:65535"} {
		if err := mock.CheckPublicURL(v); err != nil {
			t.Errorf("mock.CheckPublicURL(%q) = %v, want it taken", v, err)
		}
	}
}
