package mock_test

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// The control API and dashboard answer loopback clients that name the mock
// by a loopback name or an allowed host, or anyone who shows the token;
// the gateway and buyer pages answer everyone. The peer address is set
// here because a test cannot connect from another host.
func TestControlAPIGuard(t *testing.T) {
	build := func(o mock.Options) *mock.Server {
		s, err := mock.New(o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	open := build(mock.Options{})
	guarded := build(mock.Options{ControlToken: "s3cret"})
	allowing := build(mock.Options{AllowedHosts: []string{"alipay-mock", "*.svc.test", "mock.lan:9000", "[fd00::5]", "*.port.test:9000"}, PublicURL: "http://pay.example.test:8080"})
	token := map[string]string{"X-Alipay-Mock-Token": "s3cret"}
	cookie := guardedCookie(t, guarded)
	const docker = "172.18.0.3:40000" // another container on the bridge
	cases := []struct {
		name   string
		srv    *mock.Server
		path   string
		host   string // default 127.0.0.1:8080
		remote string
		header map[string]string
		want   int
		say    string // in the body
	}{
		{name: "loopback, no token set", srv: open, path: "/_mock/health", remote: "127.0.0.1:5000", want: 200},
		{name: "ipv6 loopback", srv: open, path: "/_mock/trades", remote: "[::1]:5000", want: 200},
		{name: "other host, no token set", srv: open, path: "/_mock/health", remote: "172.17.0.1:5000", want: 403, say: "--control-token"},
		{name: "other host, dashboard", srv: open, path: "/_mock/ui", remote: "172.17.0.1:5000", want: 403},
		{name: "spoofed forwarding header", srv: open, path: "/_mock/health", remote: "172.17.0.1:5000", header: map[string]string{"X-Forwarded-For": "127.0.0.1"}, want: 403},
		// A proxy on the mock's machine connects from loopback for every
		// client it relays: a header naming another client makes the
		// request not loopback; none makes a client loopback.
		{name: "proxied, X-Forwarded-For names a LAN client", srv: open, path: "/_mock/health", remote: "127.0.0.1:5000", header: map[string]string{"X-Forwarded-For": "192.168.1.20"}, want: 403, say: "X-Forwarded-For names 192.168.1.20"},
		{name: "proxied, the LAN client behind a loopback hop", srv: open, path: "/_mock/trades", remote: "127.0.0.1:5000", header: map[string]string{"X-Forwarded-For": "192.168.1.20, 127.0.0.1"}, want: 403},
		{name: "proxied, dashboard", srv: open, path: "/_mock/ui", remote: "127.0.0.1:5000", header: map[string]string{"X-Forwarded-For": "10.0.0.5"}, want: 403},
		{name: "proxied, X-Real-IP", srv: open, path: "/_mock/health", remote: "[::1]:5000", header: map[string]string{"X-Real-IP": "10.0.0.5"}, want: 403, say: "X-Real-Ip"},
		{name: "proxied, Forwarded", srv: open, path: "/_mock/health", remote: "127.0.0.1:5000", header: map[string]string{"Forwarded": "for=192.0.2.60;proto=http;by=127.0.0.1"}, want: 403, say: "Forwarded"},
		{name: "proxied, Forwarded for=unknown", srv: open, path: "/_mock/health", remote: "127.0.0.1:5000", header: map[string]string{"Forwarded": "for=unknown"}, want: 403},
		{name: "proxied, Forwarded without for=", srv: open, path: "/_mock/health", remote: "127.0.0.1:5000", header: map[string]string{"Forwarded": "proto=https"}, want: 403},
		{name: "proxied, second Forwarded element", srv: open, path: "/_mock/health", remote: "127.0.0.1:5000", header: map[string]string{"Forwarded": `for="[::1]:4711", For="[2001:db8::1]:80"`}, want: 403},
		{name: "proxied, Via", srv: open, path: "/_mock/health", remote: "127.0.0.1:5000", header: map[string]string{"Via": "1.1 squid"}, want: 403, say: "Via"},
		{name: "proxied, token set, none sent", srv: guarded, path: "/_mock/health", remote: "127.0.0.1:5000", header: map[string]string{"X-Forwarded-For": "192.168.1.20"}, want: 401, say: "X-Forwarded-For"},
		{name: "proxied, with the token", srv: guarded, path: "/_mock/health", remote: "127.0.0.1:5000", header: map[string]string{"X-Forwarded-For": "192.168.1.20", "X-Alipay-Mock-Token": "s3cret"}, want: 200},
		{name: "proxied, buyer page is public", srv: open, path: "/qr/bax0nothing", remote: "127.0.0.1:5000", header: map[string]string{"X-Forwarded-For": "192.168.1.20"}, want: 404},
		{name: "proxied, gateway is public", srv: open, path: "/gateway.do", remote: "127.0.0.1:5000", header: map[string]string{"X-Forwarded-For": "192.168.1.20"}, want: 200},
		{name: "local proxy for a local client", srv: open, path: "/_mock/health", remote: "127.0.0.1:5000", header: map[string]string{"X-Forwarded-For": "127.0.0.1, ::1", "X-Real-IP": "127.0.0.2", "Forwarded": `for=127.0.0.1, for="[::1]:4711";proto=http`}, want: 200},
		{name: "other host, gateway is public", srv: open, path: "/gateway.do", remote: "172.17.0.1:5000", want: 200},
		{name: "other host, wrong token", srv: guarded, path: "/_mock/health", remote: "10.1.2.3:5000", header: map[string]string{"X-Alipay-Mock-Token": "nope"}, want: 401},
		{name: "other host, token header", srv: guarded, path: "/_mock/health", remote: "10.1.2.3:5000", header: token, want: 200},
		{name: "other host, bearer", srv: guarded, path: "/_mock/trades", remote: "10.1.2.3:5000", header: map[string]string{"Authorization": "Bearer s3cret"}, want: 200},
		{name: "other host, query token", srv: guarded, path: "/_mock/ui?token=s3cret", remote: "10.1.2.3:5000", want: 200},
		{name: "other host, no token", srv: guarded, path: "/_mock/health", remote: "10.1.2.3:5000", want: 401},

		// DNS rebinding: a page on evil.example whose name now resolves to
		// 127.0.0.1 reaches the mock from loopback with its own Host.
		{name: "rebound name", srv: open, path: "/_mock/apps", host: "evil.example:8080", remote: "127.0.0.1:5000", want: 403, say: "--allowed-host"},
		{name: "rebound name, dashboard", srv: open, path: "/_mock/ui/clock", host: "evil.example:8080", remote: "127.0.0.1:5000", want: 403, say: "--allowed-host"},
		{name: "rebound name, token set but not sent", srv: guarded, path: "/_mock/apps", host: "evil.example", remote: "127.0.0.1:5000", want: 403, say: "--allowed-host"},
		{name: "localhost.evil.example", srv: open, path: "/_mock/apps", host: "localhost.evil.example", remote: "127.0.0.1:5000", want: 403},
		{name: "private address", srv: open, path: "/_mock/apps", host: "192.168.1.20:8080", remote: "127.0.0.1:5000", want: 403},
		{name: "empty Host", srv: open, path: "/_mock/apps", host: "-", remote: "127.0.0.1:5000", want: 403},
		{name: "localhost", srv: open, path: "/_mock/apps", host: "localhost:8080", remote: "127.0.0.1:5000", want: 200},
		{name: "LOCALHOST. without port", srv: open, path: "/_mock/apps", host: "LOCALHOST.", remote: "127.0.0.1:5000", want: 200},
		{name: "*.localhost", srv: open, path: "/_mock/apps", host: "shop.localhost:8080", remote: "127.0.0.1:5000", want: 200},
		{name: "127.0.0.0/8", srv: open, path: "/_mock/apps", host: "127.8.9.10:8080", remote: "127.0.0.1:5000", want: 200},
		{name: "[::1]", srv: open, path: "/_mock/apps", host: "[::1]:8080", remote: "[::1]:5000", want: 200},
		{name: "allowed service name", srv: allowing, path: "/_mock/apps", host: "alipay-mock:8080", remote: "127.0.0.1:5000", want: 200},
		{name: "allowed *.svc.test", srv: allowing, path: "/_mock/apps", host: "mock.ns.svc.test", remote: "127.0.0.1:5000", want: 200},
		{name: "*.svc.test is not svc.test", srv: allowing, path: "/_mock/apps", host: "svc.test", remote: "127.0.0.1:5000", want: 403},
		{name: "allowed host:port", srv: allowing, path: "/_mock/apps", host: "mock.lan:9000", remote: "127.0.0.1:5000", want: 200},
		{name: "allowed host, other port", srv: allowing, path: "/_mock/apps", host: "mock.lan:9001", remote: "127.0.0.1:5000", want: 403},
		{name: "allowed *.domain:port", srv: allowing, path: "/_mock/apps", host: "mock.port.test:9000", remote: "127.0.0.1:5000", want: 200},
		{name: "*.domain:port, other port", srv: allowing, path: "/_mock/apps", host: "mock.port.test:9001", remote: "127.0.0.1:5000", want: 403},
		{name: "*.domain:port, no port", srv: allowing, path: "/_mock/apps", host: "mock.port.test", remote: "127.0.0.1:5000", want: 403},
		{name: "allowed IPv6 address", srv: allowing, path: "/_mock/apps", host: "[fd00::5]:8080", remote: "127.0.0.1:5000", want: 200},
		{name: "--public-url host", srv: allowing, path: "/_mock/ui", host: "pay.example.test", remote: "127.0.0.1:5000", want: 200},
		{name: "allowed name still needs loopback", srv: allowing, path: "/_mock/apps", host: "alipay-mock:8080", remote: docker, want: 403, say: "loopback clients only"},
		// Docker: another container calls the mock by its service name.
		{name: "service name with the token", srv: guarded, path: "/_mock/apps", host: "alipay-mock:8080", remote: docker, header: token, want: 200},
		{name: "service name with the token cookie", srv: guarded, path: "/_mock/ui", host: "alipay-mock:8080", remote: docker, header: map[string]string{"Cookie": cookie}, want: 200},
		{name: "the token itself as the cookie", srv: guarded, path: "/_mock/ui", host: "alipay-mock:8080", remote: docker, header: map[string]string{"Cookie": "alipay_mock_token=s3cret"}, want: 403},
		{name: "service name without the token", srv: guarded, path: "/_mock/apps", host: "alipay-mock:8080", remote: docker, want: 403, say: "--allowed-host"},
		{name: "host browser through the port mapping", srv: guarded, path: "/_mock/ui", host: "localhost:8080", remote: "172.17.0.1:5000", want: 401},
		{name: "gateway by service name", srv: guarded, path: "/gateway.do", host: "alipay-mock:8080", remote: docker, want: 200},
		{name: "v3 by service name", srv: guarded, path: "/v3/alipay/trade/query", host: "alipay-mock:8080", remote: docker, want: 400},
		{name: "buyer page by any name", srv: open, path: "/qr/bax0nothing", host: "evil.example", remote: docker, want: 404},

		// With TLS, Alipay's names reach the mock for apps: they get the
		// gateway, v3 and the buyer pages, never the control API or the
		// dashboard, whoever asks and whatever they show.
		{name: "Alipay name, loopback", srv: open, path: "/_mock/apps", host: "openapi.alipay.com", remote: "127.0.0.1:5000", want: 403, say: "Alipay host name"},
		{name: "Alipay name with port, dashboard", srv: open, path: "/_mock/ui", host: "qr.alipay.com:443", remote: "127.0.0.1:5000", want: 403, say: "Alipay host name"},
		{name: "Alipay name with the token", srv: guarded, path: "/_mock/apps", host: "openapi.alipay.com", remote: docker, header: token, want: 403, say: "Alipay host name"},
		{name: "Alipay name with the token cookie", srv: guarded, path: "/_mock/ui", host: "OPENAPI-SANDBOX.DL.ALIPAYDEV.COM.", remote: docker, header: map[string]string{"Cookie": cookie}, want: 403},
		{name: "Alipay name, health", srv: open, path: "/_mock/health", host: "mapi.alipay.com", remote: "127.0.0.1:5000", want: 403},
		{name: "Alipay name, gateway", srv: guarded, path: "/gateway.do", host: "openapi.alipay.com", remote: docker, want: 200},
		{name: "Alipay name, v3", srv: guarded, path: "/v3/alipay/trade/query", host: "openapi.alipay.com", remote: docker, want: 400},
		{name: "Alipay name, QR page", srv: guarded, path: "/bax0nothing", host: "qr.alipay.com", remote: docker, want: 404, say: "订单不存在"},
		{name: "Alipay name, cashier page", srv: guarded, path: "/cashier/nothing", host: "openapi.alipay.com", remote: docker, want: 404},
		{name: "look-alike is no Alipay name", srv: allowing, path: "/_mock/apps", host: "alipay-mock:8080", remote: "127.0.0.1:5000", want: 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			req.Host = "127.0.0.1:8080"
			switch tc.host {
			case "":
			case "-":
				req.Host = ""
			default:
				req.Host = tc.host
			}
			req.RemoteAddr = tc.remote
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			tc.srv.ServeHTTP(rec, req)
			if rec.Code != tc.want || !strings.Contains(rec.Body.String(), tc.say) {
				t.Errorf("HTTP %d, want %d saying %q: %s", rec.Code, tc.want, tc.say, rec.Body.String())
			}
		})
	}
}

// guardedCookie is the cookie /_mock/ui?token=s3cret sets on srv.
func guardedCookie(t *testing.T, srv *mock.Server) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/_mock/ui?token=s3cret", nil)
	req.RemoteAddr = "127.0.0.1:5000"
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return tokenCookie(t, rec.Header())
}

func TestAllowedHostOptionChecked(t *testing.T) {
	for _, h := range []string{"*", "http://alipay-mock", "alipay-mock/path", "", "openapi.alipay.com", "*.alipay.com", "openapi-sandbox.dl.alipaydev.com:443"} {
		if s, err := mock.New(mock.Options{AllowedHosts: []string{h}}); err == nil {
			s.Close()
			t.Errorf("AllowedHosts %q accepted", h)
		} else if !strings.Contains(err.Error(), "--allowed-host") {
			t.Errorf("AllowedHosts %q: %v", h, err)
		}
	}
}

// A wildcard whose suffix is empty or a single label would match every
// Host, or every name anyone can register: `--allowed-host "*.$DOMAIN"`
// with DOMAIN unset gives "*.", which made every Host name the mock and
// let a rebound page reset it. Such values are refused at start-up, with
// the reason; two labels and more, trailing dot and port included, are
// accepted.
func TestAllowedHostWildcardNeedsADomain(t *testing.T) {
	for _, c := range []struct{ host, say string }{
		{"*.", "every Host"},
		{"*..", "every Host"},
		{"*.com", "anyone can register"},
		{"*.COM.", "anyone can register"},
		{"*.lan:8080", "anyone can register"},
		{"*..example.com", "*.domain"},
		{"*.example..com", "*.domain"},
		{"*.*.example.com", "*.domain"},
		{"mock.*.example.com", "leading *."},
		{"*.svc.test:http", "port"},
		{"mock.lan:0", "port"},
		{"mock.lan:65536", "port"},
	} {
		s, err := mock.New(mock.Options{AllowedHosts: []string{c.host}})
		if err == nil {
			s.Close()
			t.Errorf("AllowedHosts %q accepted", c.host)
		} else if !strings.Contains(err.Error(), "--allowed-host") || !strings.Contains(err.Error(), c.say) {
			t.Errorf("AllowedHosts %q: %v, want an error naming --allowed-host and saying %q", c.host, err, c.say)
		}
	}
	for _, host := range []string{"*.svc.test", "*.ns.svc.cluster.local.", "*.Mock.Example:9000", "mock.lan:8080", "alipay-mock", "[fd00::5]:80"} {
		s, err := mock.New(mock.Options{AllowedHosts: []string{host}})
		if err != nil {
			t.Errorf("AllowedHosts %q: %v", host, err)
			continue
		}
		s.Close()
	}
}

// DNS rebinding against a running mock: with a Host that is not the
// mock's, a page cannot read the apps, move the clock (API or dashboard
// button) or replace the dev app's key, even from loopback and with a
// matching Origin (the rebound page is same-origin with itself). On main
// before the allow-list, all four worked.
func TestHostAllowListStopsDNSRebinding(t *testing.T) {
	h := newHarness(t, mock.Options{})
	evil := "evil.example:" + strings.Split(h.http.URL, ":")[2]
	same := map[string]string{"Origin": "http://" + evil, "Sec-Fetch-Site": "same-origin"}
	jsonType := map[string]string{"Origin": "http://" + evil, "Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"}
	formType := map[string]string{"Origin": "http://" + evil, "Sec-Fetch-Site": "same-origin", "Content-Type": "application/x-www-form-urlencoded"}
	before := h.control("GET", "/clock", "", http.StatusOK)["now"]
	for _, r := range []request{
		{path: "/_mock/apps", host: evil, header: same},
		{method: "POST", path: "/_mock/clock", host: evil, header: jsonType, body: `{"set":"2030-01-01 00:00:00"}`},
		{method: "POST", path: "/_mock/clock/advance", host: evil, header: jsonType, body: `{"by":"48h"}`},
		{method: "POST", path: "/_mock/ui/clock/advance", host: evil, header: formType, body: "by=48h"},
		{method: "POST", path: "/_mock/apps", host: evil, header: jsonType, body: `{"app_id":"` + keys.DevAppID + `","public_key":"` + otherKey(t) + `"}`},
		{method: "POST", path: "/_mock/reset", host: evil, header: jsonType},
	} {
		status, body, _ := h.do(r)
		if status != http.StatusForbidden || !strings.Contains(body, "--allowed-host") {
			t.Errorf("%s %s Host %s: HTTP %d, want 403 naming --allowed-host: %.200s", r.method, r.path, r.host, status, body)
		}
	}
	if now := h.control("GET", "/clock", "", http.StatusOK)["now"]; now != before {
		t.Errorf("clock moved from %v to %v", before, now)
	}
	// The dev app still signs with its own key.
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"none"}`), "sub_code", "ACQ.TRADE_NOT_EXIST")

	// The same requests by a loopback name work; gateway.do answers any Host.
	local := "localhost:" + strings.Split(h.http.URL, ":")[2]
	if status, body, _ := h.do(request{method: "POST", path: "/_mock/clock/advance", host: local, body: `{"by":"1h"}`,
		header: map[string]string{"Origin": "http://" + local, "Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"}}); status != http.StatusOK {
		t.Errorf("advance by localhost: HTTP %d %s", status, body)
	}
	p := h.params("alipay.trade.query", `{"out_trade_no":"none"}`, nil)
	status, body, _ := h.do(request{method: "POST", path: "/gateway.do", host: evil, body: form(p).Encode(),
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
	if status != http.StatusOK || !strings.Contains(body, "ACQ.TRADE_NOT_EXIST") {
		t.Errorf("gateway.do with another Host: HTTP %d %s", status, body)
	}
}

func otherKey(t *testing.T) string {
	t.Helper()
	pair, err := keys.Generate(1024)
	if err != nil {
		t.Fatal(err)
	}
	return keys.PublicBase64(&pair.Private.PublicKey)
}

// CSRF: a page on another site (or another port of localhost) cannot
// drive the JSON control API from the owner's browser, by form or by
// fetch with a simple body; the mock's own origin can, with JSON or the
// custom header; curl, SDKs and Node's fetch (no Origin, no
// Sec-Fetch-Site) are unchanged, empty bodies included. On main, the
// cross-site reset, pay and text/plain scenario upload all succeeded.
func TestControlAPIRefusesCrossSiteRequests(t *testing.T) {
	h := newHarness(t, mock.Options{})
	self := h.http.URL
	const scenario = "name: csrf\nrules:\n  - when: {method: alipay.trade.query}\n    then: {respond: {code: \"20000\"}}\n"
	h.precreate("CS1", nil)
	cases := []struct {
		name   string
		r      request
		want   int
		say    string
		effect bool // the request changes state when allowed
	}{
		{name: "cross-site form reset", r: request{method: "POST", path: "/_mock/reset", header: map[string]string{
			"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site", "Content-Type": "application/x-www-form-urlencoded"}}, want: 403, say: "cross-origin"},
		{name: "cross-site pay, form body", r: request{method: "POST", path: "/_mock/trades/CS1/pay", body: "buyer_id=2088000000000001", header: map[string]string{
			"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site", "Content-Type": "application/x-www-form-urlencoded"}}, want: 403},
		{name: "cross-site pay, empty body", r: request{method: "POST", path: "/_mock/trades/CS1/pay", header: map[string]string{
			"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}}, want: 403},
		{name: "cross-site text/plain scenario", r: request{method: "POST", path: "/_mock/scenarios", body: scenario, header: map[string]string{
			"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site", "Content-Type": "text/plain"}}, want: 403},
		{name: "another port of localhost (same-site)", r: request{method: "POST", path: "/_mock/reset", header: map[string]string{
			"Origin": "http://localhost:3000", "Sec-Fetch-Site": "same-site", "Content-Type": "text/plain"}}, want: 403},
		{name: "old browser, foreign Origin", r: request{method: "POST", path: "/_mock/reset", header: map[string]string{
			"Origin": "http://evil.example"}}, want: 403, say: "cross-origin"},
		{name: "sandboxed page, Origin null", r: request{method: "DELETE", path: "/_mock/journal", header: map[string]string{
			"Origin": "null"}}, want: 403},
		{name: "cross-site JSON (would need a preflight)", r: request{method: "POST", path: "/_mock/reset", header: map[string]string{
			"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}}, want: 403},
		{name: "same origin, simple body", r: request{method: "POST", path: "/_mock/trades/CS1/pay", header: map[string]string{
			"Origin": self, "Sec-Fetch-Site": "same-origin", "Content-Type": "text/plain"}}, want: 403, say: "application/json"},
		{name: "same origin, no body", r: request{method: "POST", path: "/_mock/reset", header: map[string]string{
			"Origin": self, "Sec-Fetch-Site": "same-origin"}}, want: 403, say: "X-Alipay-Mock"},
		{name: "cross-site GET reads nothing it can see but is answered", r: request{path: "/_mock/trades/CS1", header: map[string]string{
			"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}}, want: 200},
		{name: "same origin, text/yaml scenario", r: request{method: "POST", path: "/_mock/scenarios", body: scenario, header: map[string]string{
			"Origin": self, "Sec-Fetch-Site": "same-origin", "Content-Type": "text/yaml"}}, want: 201, effect: true},
		{name: "same origin, custom header", r: request{method: "DELETE", path: "/_mock/scenarios", header: map[string]string{
			"Origin": self, "Sec-Fetch-Site": "same-origin", "X-Alipay-Mock": "1"}}, want: 200, effect: true},
		{name: "Node fetch (Sec-Fetch-Mode only), empty body", r: request{method: "POST", path: "/_mock/trades/CS1/scan", header: map[string]string{
			"Sec-Fetch-Mode": "cors"}}, want: 200, effect: true},
		{name: "same origin, JSON pay", r: request{method: "POST", path: "/_mock/trades/CS1/pay", body: `{}`, header: map[string]string{
			"Origin": self, "Sec-Fetch-Site": "same-origin", "Content-Type": "application/json; charset=utf-8"}}, want: 200, effect: true},
		{name: "curl, empty body", r: request{method: "POST", path: "/_mock/reset"}, want: 200, effect: true},
	}
	for _, tc := range cases {
		status, body, _ := h.do(tc.r)
		if status != tc.want || !strings.Contains(body, tc.say) {
			t.Errorf("%s: HTTP %d, want %d saying %q: %.300s", tc.name, status, tc.want, tc.say, body)
		}
		if !tc.effect && tc.r.method != "" && tc.r.method != "GET" {
			if got := h.tradeStatus("CS1"); got != "WAIT_BUYER_PAY" {
				t.Fatalf("after %q CS1 is %q", tc.name, got)
			}
		}
	}
	if got := h.tradeStatus("CS1"); got != "" {
		t.Errorf("curl's reset did not reset: CS1 is %q", got)
	}

	// The dashboard's forms keep their own check: same origin passes, a
	// cross-site post does not.
	status, _, _ := h.do(request{method: "POST", path: "/_mock/ui/reset", header: map[string]string{
		"Origin": self, "Sec-Fetch-Site": "same-origin", "Content-Type": "application/x-www-form-urlencoded"}})
	if status != http.StatusSeeOther {
		t.Errorf("dashboard reset from its own page: HTTP %d", status)
	}
	status, body, _ := h.do(request{method: "POST", path: "/_mock/ui/reset", header: map[string]string{
		"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site", "Content-Type": "application/x-www-form-urlencoded"}})
	if status != http.StatusForbidden {
		t.Errorf("dashboard reset cross-site: HTTP %d %.200s", status, body)
	}
}

// A reverse proxy on the mock's machine (Go's, adding X-Forwarded-For as
// nginx does with proxy_set_header X-Forwarded-For
// $proxy_add_x_forwarded_for) connects from loopback for every client:
// the client it names is who asks. On loopback, the client names a LAN
// address in its own X-Forwarded-For, as one hop further out would; with
// a LAN address on the machine, the proxy listens there and a real
// network client connects. Either way the control API needs the token,
// which then passes through the proxy.
func TestLocalReverseProxyDoesNotMakeItsClientsLocal(t *testing.T) {
	proxyTo := func(t *testing.T, target, listen string) string {
		up, _ := url.Parse(target)
		ln, err := net.Listen("tcp", net.JoinHostPort(listen, "0"))
		if err != nil {
			t.Fatal(err)
		}
		ps := &http.Server{Handler: &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(up) // Host becomes the mock's 127.0.0.1:PORT, nginx's default
			// Append to what the client sent, as $proxy_add_x_forwarded_for does.
			r.Out.Header["X-Forwarded-For"] = r.In.Header["X-Forwarded-For"]
			r.SetXForwarded()
		}}}
		go ps.Serve(ln)
		t.Cleanup(func() { ps.Close() })
		return "http://" + ln.Addr().String()
	}
	reset := func(t *testing.T, base string, header map[string]string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, base+"/_mock/reset", nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	check := func(t *testing.T, listen string, header map[string]string) {
		open := newHarness(t, mock.Options{})
		if status, body := reset(t, proxyTo(t, open.http.URL, listen), header); status != http.StatusForbidden || !strings.Contains(body, "X-Forwarded-For") {
			t.Errorf("POST /_mock/reset through a local proxy for a network client: HTTP %d %.300s, want 403 naming X-Forwarded-For", status, body)
		}
		guarded := newHarness(t, mock.Options{ControlToken: "s3cret"})
		base := proxyTo(t, guarded.http.URL, listen)
		if status, body := reset(t, base, header); status != http.StatusUnauthorized {
			t.Errorf("the same with a token configured, none sent: HTTP %d %.300s, want 401", status, body)
		}
		withToken := map[string]string{"X-Alipay-Mock-Token": "s3cret"}
		for k, v := range header {
			withToken[k] = v
		}
		if status, body := reset(t, base, withToken); status != http.StatusOK {
			t.Errorf("the same with the token: HTTP %d %.300s, want 200", status, body)
		}
		// A local client through the same proxy is still local.
		if status, body := reset(t, proxyTo(t, open.http.URL, "127.0.0.1"), nil); status != http.StatusOK {
			t.Errorf("POST /_mock/reset through a loopback proxy for a loopback client: HTTP %d %.300s, want 200", status, body)
		}
	}
	t.Run("loopback", func(t *testing.T) {
		check(t, "127.0.0.1", map[string]string{"X-Forwarded-For": "192.168.1.20"})
	})
	t.Run("LAN address", func(t *testing.T) {
		var ip string
		addrs, _ := net.InterfaceAddrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
				ip = n.IP.String()
				break
			}
		}
		if ip == "" {
			t.Skip("no non-loopback IPv4 address")
		}
		check(t, ip, nil)
	})
}

// The cookie a browser gets from /_mock/ui?token= is Secure when it was
// set over HTTPS (--tls), so the browser never sends the token over plain
// http; over http it cannot be (the browser would not keep it).
func TestTokenCookieIsSecureOverHTTPS(t *testing.T) {
	srv := mock.NewTestServer(t, mock.Options{ControlToken: "s3cret", TLS: mock.TLSOptions{Addr: "127.0.0.1:0", CADir: t.TempDir()}})
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.CA().Pool()}}}
	for _, tc := range []struct {
		base   string
		secure bool
	}{{srv.TLSURL(), true}, {srv.URL(), false}} {
		resp, err := c.Get(tc.base + "/_mock/ui?token=s3cret")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var got *http.Cookie
		for _, ck := range resp.Cookies() {
			if ck.Name == "alipay_mock_token" {
				got = ck
			}
		}
		if resp.StatusCode != http.StatusOK || got == nil {
			t.Fatalf("GET %s/_mock/ui?token=: HTTP %d, Set-Cookie %q", tc.base, resp.StatusCode, resp.Header.Values("Set-Cookie"))
		}
		if got.Secure != tc.secure || !got.HttpOnly || got.SameSite != http.SameSiteStrictMode || got.Path != "/_mock" {
			t.Errorf("%s: Set-Cookie %q: want Secure %v, HttpOnly, SameSite=Strict, Path=/_mock", tc.base, resp.Header.Get("Set-Cookie"), tc.secure)
		}
	}
}

// tokenCookie is the cookie pair (name=value) /_mock/ui?token= sets.
func tokenCookie(t *testing.T, hdr http.Header) string {
	t.Helper()
	for _, line := range hdr.Values("Set-Cookie") {
		if pair, _, _ := strings.Cut(line, ";"); strings.HasPrefix(pair, "alipay_mock_token=") {
			return pair
		}
	}
	t.Fatalf("no alipay_mock_token cookie set: %q", hdr.Values("Set-Cookie"))
	return ""
}

// A browser that kept the cookie of an earlier --control-token (the mock
// restarted with a new one, another mock on the same host and port) opens
// /_mock/ui?token=NEW as docs/security.md says: the new token lets it in
// and replaces the cookie, which then opens the next page.
func TestTokenInQueryReplacesAStaleCookie(t *testing.T) {
	const host = "mock.lan:8080" // not loopback by name: only the token opens it
	old := newHarness(t, mock.Options{ControlToken: "old-secret"})
	_, _, hdr := old.do(request{path: "/_mock/ui?token=old-secret", host: host})
	stale := tokenCookie(t, hdr)

	h := newHarness(t, mock.Options{ControlToken: "new-secret"})
	if status, _, _ := h.do(request{path: "/_mock/ui", host: host, header: map[string]string{"Cookie": stale}}); status != http.StatusForbidden {
		t.Fatalf("the stale cookie alone: HTTP %d, want 403", status)
	}
	status, body, hdr := h.do(request{path: "/_mock/ui?token=new-secret", host: host, header: map[string]string{"Cookie": stale}})
	if status != http.StatusOK {
		t.Fatalf("stale cookie, right ?token=: HTTP %d, want 200: %.200s", status, body)
	}
	fresh := tokenCookie(t, hdr)
	if fresh == stale {
		t.Fatalf("the stale cookie %q is not replaced", stale)
	}
	if status, body, _ := h.do(request{path: "/_mock/ui/trades", host: host, header: map[string]string{"Cookie": fresh}}); status != http.StatusOK {
		t.Fatalf("the next page with the new cookie: HTTP %d: %.200s", status, body)
	}
}

// The auth-scheme of Authorization is case-insensitive (RFC 9110 §11.1):
// "bearer TOKEN" is the same credentials as "Bearer TOKEN", and some
// HTTP libraries and proxies write it so.
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	h := newHarness(t, mock.Options{ControlToken: "s3cret"})
	for _, tc := range []struct {
		auth string
		want int
	}{{"Bearer s3cret", 200}, {"bearer s3cret", 200}, {"BEARER s3cret", 200}, {"Basic s3cret", 403}, {"Bearer nope", 403}, {"Bearers3cret", 403}} {
		status, body, _ := h.do(request{path: "/_mock/health", host: "mock.lan",
			header: map[string]string{"Authorization": tc.auth}})
		if status != tc.want {
			t.Errorf("Authorization: %s: HTTP %d, want %d: %.120s", tc.auth, status, tc.want, body)
		}
	}
}

// A 401 must carry a challenge (RFC 9110 §15.5.2: "The server generating a
// 401 (Unauthorized) response MUST send a WWW-Authenticate header field
// containing at least one challenge"). With --control-token set, a client
// the guard does not take for loopback gets 401 without one, so HTTP
// libraries that answer a challenge (or report it) see none.
func TestUnauthorizedCarriesABearerChallenge(t *testing.T) {
	h := newHarness(t, mock.Options{ControlToken: "s3cret"})
	status, body, hdr := h.do(request{path: "/_mock/health", header: map[string]string{"X-Forwarded-For": "203.0.113.7"}})
	if status != http.StatusUnauthorized {
		t.Fatalf("GET /_mock/health from a relayed client: HTTP %d %s, want 401", status, body)
	}
	if got := hdr.Get("WWW-Authenticate"); got != `Bearer realm="alipay-mock"` {
		t.Errorf("401 with WWW-Authenticate %q, want a Bearer challenge (the token goes in Authorization: Bearer or X-Alipay-Mock-Token)", got)
	}
}

// A token with bytes a cookie cannot hold (';', '"', '\\', a space, a
// non-ASCII letter: a pass phrase, a token a secret manager made) still
// keeps the dashboard open after /_mock/ui?token=: the cookie is not the
// token (net/http would silently strip those bytes from it).
func TestDashboardCookieWorksForEveryToken(t *testing.T) {
	for _, token := range []string{"ab;cd", `say "pass"`, `back\slash`, "口令-token", "plain"} {
		h := newHarness(t, mock.Options{ControlToken: token})
		status, body, hdr := h.do(request{path: "/_mock/ui?token=" + url.QueryEscape(token), host: "mock.lan"})
		if status != http.StatusOK {
			t.Fatalf("%q: ?token=: HTTP %d: %.120s", token, status, body)
		}
		cookie := tokenCookie(t, hdr)
		status, body, _ = h.do(request{path: "/_mock/ui/trades", host: "mock.lan", header: map[string]string{"Cookie": cookie}})
		if status != http.StatusOK {
			t.Errorf("%q: the next page with the cookie %q the mock set: HTTP %d, want 200: %.120s", token, cookie, status, body)
		}
	}
}

// A token read from a file with its trailing newline (a Kubernetes Secret
// made with --from-file, an env file) is taken without the whitespace
// around it, which no HTTP header can carry; one that still holds a
// control character is refused at start, saying why.
func TestControlTokenIsTrimmedOrRefused(t *testing.T) {
	h := newHarness(t, mock.Options{ControlToken: " s3cret\r\n"})
	for _, hdr := range []map[string]string{{"X-Alipay-Mock-Token": "s3cret"}, {"Authorization": "Bearer s3cret"}} {
		status, body, _ := h.do(request{path: "/_mock/health", host: "mock.lan", header: hdr})
		if status != http.StatusOK {
			t.Errorf("%v with the token \" s3cret\\r\\n\": HTTP %d: %.100s", hdr, status, body)
		}
	}
	for _, token := range []string{"s3c\nret", "s3c\x00ret", "tab\there", " \n", "bad\xffutf8"} {
		s, err := mock.New(mock.Options{ControlToken: token})
		if err == nil {
			s.Close()
			t.Errorf("the token %q was accepted", token)
		} else if !strings.Contains(err.Error(), "--control-token") {
			t.Errorf("the token %q: %v, want a message naming --control-token", token, err)
		}
	}
}
