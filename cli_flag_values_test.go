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
	if started, errs := serveStarts(t, bin, "--allowed-host", "a.test,b.test"); started || !strings.Contains(errs, "repeat the flag") {
		t.Errorf("serve --allowed-host a.test,b.test: started %v, %q; want it refused telling to repeat the flag", started, strings.TrimSpace(errs))
	}
}

// --tls-host must be a host name or IP address (docs/configuration.md),
// and a command-line value is taken whole: `--tls-host a.test,b.test`
// would put the one name "a.test,b.test" in the certificate.
func TestTLSHostWithACommaRefused(t *testing.T) {
	bin := buildBinary(t)
	if started, errs := serveStarts(t, bin, "--ca-dir", t.TempDir(), "--tls-addr", "127.0.0.1:0", "--tls-host", "a.test,b.test"); started || !strings.Contains(errs, "repeat the flag") {
		t.Error(`serve --tls-host "a.test,b.test" started: want it refused (no host name has a comma; repeat the flag)`)
	}
}

// An empty ALIPAY_MOCK_NOTIFY_SCHEDULE (a compose file's `${X:-}`) is
// refused naming the variable the user set, not a --notify-schedule never
// given, and is a usage error (exit 2) as the flag's refusal is.
func TestEmptyNotifyScheduleVariableRefusedNamingIt(t *testing.T) {
	t.Setenv("ALIPAY_MOCK_NOTIFY_SCHEDULE", "")
	code, _, errs := runCLI(t, "", "serve", "--addr", "127.0.0.1:0", "--no-dev-app")
	if code != 2 || !strings.Contains(errs, "ALIPAY_MOCK_NOTIFY_SCHEDULE") {
		t.Errorf("empty ALIPAY_MOCK_NOTIFY_SCHEDULE: exit %d %q; want exit 2 naming ALIPAY_MOCK_NOTIFY_SCHEDULE", code, strings.TrimSpace(errs))
	}
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
