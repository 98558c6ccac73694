// Package mocktest is the one test harness of this repository: it runs an
// alipay-mock for a Go test and drives it the way a merchant and a test
// would, over HTTP (signed gateway calls, the control API, long polls) and
// through the bundled client. Every helper fails the test it was given.
package mocktest

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/control"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// Epoch is where New starts the manual clock: 2026-11-23 10:00:00 GMT+8.
var Epoch = time.Date(2026, 11, 23, 10, 0, 0, 0, timestamp.Zone)

// Timeout bounds every wait of the harness (long polls, outbox waits).
const Timeout = 5 * time.Second

// Mock is a running mock and what a test needs to talk to it. A Mock may
// also be written as a literal around a server started some other way.
type Mock struct {
	T     testing.TB
	Srv   *mock.Server
	URL   string           // base URL, without a trailing slash
	HTTP  *httptest.Server // set by New
	Clock *clock.Sim       // the mock's clock
	Key   *rsa.PrivateKey  // the dev app's private key
	// AppID is the app Params, Call and Client act as: empty is the dev
	// app (keys.DevAppID); keys.DevCertAppID (CertApp) adds certificate
	// mode's parameters.
	AppID string
}

// CertApp is the harness acting as the shipped dev app in certificate mode
// (keys.DevCertAppID, the same key pair), which fund methods need.
func (m *Mock) CertApp() *Mock {
	c := *m
	c.AppID = keys.DevCertAppID
	return &c
}

// certMode reports whether m acts as the certificate-mode dev app.
func (m *Mock) certMode() bool { return m.AppID == keys.DevCertAppID }

// New runs a mock behind httptest on a free loopback port, on a manual
// clock at Epoch unless opts.Clock is set and with seed 1 unless opts.Seed
// is, and stops it when the test ends.
func New(t testing.TB, opts mock.Options) *Mock {
	t.Helper()
	if opts.Clock == nil {
		opts.Clock = clock.NewManual(Epoch)
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	srv, err := mock.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &Mock{T: t, Srv: srv, URL: hs.URL, HTTP: hs, Clock: srv.Clock, Key: keys.DevAppPrivateKey()}
}

// Start runs a mock on its own HTTP server (mock.Start) on a free loopback
// port, with opts as given (the real clock unless opts.Clock is set), and
// stops it when the test ends.
func Start(t testing.TB, opts mock.Options) *Mock {
	t.Helper()
	return On(t, mock.NewTestServer(t, opts))
}

// On is the harness on a server a test started itself with mock.Start or
// mock.NewTestServer.
func On(t testing.TB, srv *mock.Server) *Mock {
	return &Mock{T: t, Srv: srv, URL: srv.URL(), Clock: srv.Clock, Key: keys.DevAppPrivateKey()}
}

// Client is a client of the dev app on this mock, stamping its requests
// with the mock's clock; edit (may be nil) changes the configuration.
func (m *Mock) Client(edit func(*client.Config)) *client.Client {
	m.T.Helper()
	cfg := m.Srv.DevClientConfig()
	if m.certMode() {
		cfg = m.Srv.DevCertClientConfig()
	}
	cfg.GatewayURL = m.URL + "/gateway.do"
	cfg.Now = m.Clock.Now
	// No timeout of its own: on a loaded machine a slow answer is not a
	// failure; go test's -timeout catches a hang.
	cfg.HTTPClient = &http.Client{}
	if edit != nil {
		edit(&cfg)
	}
	c, err := client.New(cfg)
	if err != nil {
		m.T.Fatal(err)
	}
	return c
}

// Params are the common parameters of a dev-app request for method (of
// the certificate-mode dev app's after CertApp, with its app_cert_sn and
// alipay_root_cert_sn), with biz_content when biz is not empty, signed
// after edit (may be nil) ran, unless edit set a sign. A value "\x00"
// marks a parameter to leave out after signing.
func (m *Mock) Params(method, biz string, edit func(map[string]string)) map[string]string {
	p := map[string]string{
		"app_id": keys.DevAppID, "method": method, "format": "JSON", "charset": "utf-8",
		"sign_type": "RSA2", "timestamp": timestamp.Format(m.Clock.Now()), "version": "1.0",
	}
	if m.certMode() {
		p["app_id"], p["app_cert_sn"], p["alipay_root_cert_sn"] = keys.DevCertAppID, keys.DevCertAppCertSN(), keys.DevRootCertSN()
	}
	if biz != "" {
		p["biz_content"] = biz
	}
	if edit != nil {
		edit(p)
	}
	if _, ok := p["sign"]; !ok {
		st, err := sign.ParseType(p["sign_type"])
		if err != nil {
			st = sign.RSA2
		}
		cs, err := sign.ParseCharset(p["charset"])
		if err != nil {
			cs = sign.UTF8
		}
		s, err := sign.SignString(m.Key, st, cs, sign.RequestContent(p))
		if err != nil {
			m.T.Fatal(err)
		}
		p["sign"] = s
	}
	for k, v := range p {
		if v == "\x00" {
			delete(p, k)
		}
	}
	return p
}

// Form is p as url.Values.
func Form(p map[string]string) url.Values {
	v := url.Values{}
	for k, x := range p {
		v.Set(k, x)
	}
	return v
}

// Post sends params as a form body to the gateway and returns the body of
// the 200 answer.
func (m *Mock) Post(p map[string]string) []byte {
	m.T.Helper()
	resp, err := http.PostForm(m.URL+"/gateway.do", Form(p))
	if err != nil {
		m.T.Fatal(err)
	}
	return m.Read(resp)
}

// Read returns the body of a 200 answer, and fails the test on any other.
func (m *Mock) Read(resp *http.Response) []byte {
	m.T.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		m.T.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		m.T.Fatalf("HTTP %d: %s", resp.StatusCode, b)
	}
	return b
}

// Call signs and posts a request, verifies the response's signature and
// returns the response node's fields.
func (m *Mock) Call(method, biz string) map[string]any {
	m.T.Helper()
	return m.Verify(method, m.Post(m.Params(method, biz, nil)), true)
}

// Verify parses a gateway answer to method, checks its signature (which
// must be there when mustSign) and returns the response node's fields.
func (m *Mock) Verify(method string, body []byte, mustSign bool) map[string]any {
	m.T.Helper()
	r, err := sign.ParseResponse(body, method)
	if err != nil {
		m.T.Fatalf("%s: %v in %s", method, err, body)
	}
	if r.Sign == "" {
		if mustSign {
			m.T.Fatalf("%s: unsigned response %s", method, body)
		}
	} else if err := sign.Verify(m.Srv.AlipayPublicKey(), sign.RSA2, r.Raw, r.Sign); err != nil {
		m.T.Fatalf("%s: response signature does not verify: %s", method, body)
	}
	var out map[string]any
	if err := json.Unmarshal(r.Raw, &out); err != nil {
		m.T.Fatal(err)
	}
	return out
}

// Control calls the control API at /_mock+path, fails the test unless it
// answers want, and returns the body. body is sent as JSON: a string as
// it is, anything else marshalled; nil or "" sends none.
func (m *Mock) Control(method, path string, body any, want int) []byte {
	m.T.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		if b != "" {
			r = strings.NewReader(b)
		}
	default:
		j, err := json.Marshal(b)
		if err != nil {
			m.T.Fatal(err)
		}
		r = strings.NewReader(string(j))
	}
	req, err := http.NewRequest(method, m.URL+"/_mock"+path, r)
	if err != nil {
		m.T.Fatal(err)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		m.T.Fatalf("%s /_mock%s: HTTP %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	return b
}

// ControlJSON is Control decoding the answer into out (may be nil), its
// times read as the control API writes them (control.UnmarshalText).
func (m *Mock) ControlJSON(method, path string, body any, want int, out any) {
	m.T.Helper()
	b := m.Control(method, path, body, want)
	if out != nil {
		if err := control.UnmarshalText(b, out); err != nil {
			m.T.Fatalf("%s /_mock%s: %v in %s", method, path, err, b)
		}
	}
}

// Advance moves the mock's clock by a Go duration ("25h") through the
// control API, running what falls due on the way.
func (m *Mock) Advance(by string) map[string]any {
	m.T.Helper()
	var out map[string]any
	m.ControlJSON(http.MethodPost, "/clock/advance", map[string]string{"by": by}, http.StatusOK, &out)
	return out
}

// Notifications long-polls GET /_mock/notifications?query: it answers as
// soon as one notification matches (count=N in query: N), or after
// Timeout with what there is. query must not set wait.
func (m *Mock) Notifications(query string) []notify.Notification {
	m.T.Helper()
	var list []notify.Notification
	m.ControlJSON(http.MethodGet, "/notifications?wait="+Timeout.String()+"&"+query, nil, http.StatusOK, &list)
	return list
}

// WaitNotifications waits until count notifications match f in the
// outbox, and fails the test if they do not within Timeout.
func (m *Mock) WaitNotifications(f notify.Filter, count int) []notify.Notification {
	m.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	list := m.Srv.Notifier.Outbox().Wait(ctx, f, count)
	if len(list) < count {
		m.T.Fatalf("%d notifications match %+v, want %d: %+v", len(list), f, count, list)
	}
	return list
}

// WaitAttempts waits until the outbox records attempt n of the first
// notification of out_trade_no out, and its next attempt, if any, is
// planned, and returns that notification.
func (m *Mock) WaitAttempts(out string, n int) notify.Notification {
	m.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	outbox := m.Srv.Notifier.Outbox()
	var list []notify.Notification
	if !outbox.WaitFunc(ctx, func() bool {
		list = outbox.List(notify.Filter{OutTradeNo: out})
		// made, and its next attempt (if any) planned on the clock: the
		// attempt's write comes before its plan
		return len(list) > 0 && attemptsMade(list[0]) >= n &&
			(list[0].NextAttempt == nil || m.Srv.Notifier.Planned(list[0].ID))
	}) {
		if len(list) == 0 {
			m.T.Fatalf("no attempt %d for %s: no notification", n, out)
		}
		m.T.Fatalf("no attempt %d for %s: %s after %d attempts", n, out, list[0].State, attemptsMade(list[0]))
	}
	return list[0]
}

// attemptsMade is how many attempts nf made: its last kept attempt's
// number (an outbox keeps the first and the latest notify.KeptAttempts-1,
// numbered as made), not how many are kept.
func attemptsMade(nf notify.Notification) int {
	if len(nf.Attempts) == 0 {
		return 0
	}
	return nf.Attempts[len(nf.Attempts)-1].N
}
