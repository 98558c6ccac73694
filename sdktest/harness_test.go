package sdktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// mockEnv is one running mock as the SDKs see it. Gateway is not the mock's
// own gateway.do but a recording pass-through in front of it, so a failing
// step can show the exact bytes that went over the wire.
type mockEnv struct {
	Base    string // the mock's base URL, for the control API
	Gateway string // what SDKs are configured with
	wire    *wireLog
}

// startMock starts the mock in-process on a free port, or, when
// SDKTEST_MOCK_URL is set (for example to a container started from the
// released image), uses that one instead: the dev app must be registered
// there, as it is by default. SDKTEST_WIRE=1 logs every exchange.
func startMock(t *testing.T) *mockEnv {
	t.Helper()
	base := strings.TrimRight(os.Getenv("SDKTEST_MOCK_URL"), "/")
	gateway := base + "/gateway.do"
	if base == "" {
		srv, err := mock.Start(mock.Options{Addr: "127.0.0.1:0"})
		if err != nil {
			t.Fatalf("mock.Start: %v", err)
		}
		t.Cleanup(func() { srv.Close() })
		base, gateway = srv.URL(), srv.GatewayURL()
	}
	wire := &wireLog{}
	rec := httptest.NewServer(wire.proxyTo(gateway))
	t.Cleanup(rec.Close)
	if os.Getenv("SDKTEST_WIRE") != "" {
		// Registered after rec.Close, so it runs first: the whole wire log.
		t.Cleanup(func() {
			wire.mu.Lock()
			defer wire.mu.Unlock()
			for _, e := range wire.log {
				t.Logf("exchange %d:\n%s", e.seq, e)
			}
		})
	}
	return &mockEnv{Base: base, Gateway: rec.URL + "/gateway.do", wire: wire}
}

// ids hands out out_trade_no / out_request_no values that are unique across
// runs, so tests also work against a long-running external mock.
var idSeq struct {
	sync.Mutex
	n int
}

func newID(prefix string) string {
	idSeq.Lock()
	defer idSeq.Unlock()
	idSeq.n++
	return fmt.Sprintf("%s%d%03d", prefix, time.Now().UnixMilli(), idSeq.n)
}

// Control API: what the buyer does on their phone.

func (m *mockEnv) control(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, m.Base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("control API %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (m *mockEnv) buyerAction(t *testing.T, outTradeNo, action string) {
	t.Helper()
	path := "/_mock/trades/" + url.PathEscape(outTradeNo) + "/" + action
	code, body := m.control(t, http.MethodPost, path, nil)
	if code/100 != 2 {
		t.Fatalf("control API POST %s: HTTP %d %s", path, code, body)
	}
}

// scan is the buyer scanning a precreate QR code: the trade now exists.
func (m *mockEnv) scan(t *testing.T, outTradeNo string) { m.buyerAction(t, outTradeNo, "scan") }

// scanQR is the buyer scanning the QR code the SDK parsed: the mock's page
// at qr_code, which opens by the secret token in it and nothing else.
func (m *mockEnv) scanQR(t *testing.T, qrCode string) {
	t.Helper()
	resp, err := http.PostForm(qrCode, url.Values{"action": {"scan"}})
	if err != nil {
		t.Fatalf("POST qr_code %s: %v", qrCode, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "已扫码") {
		t.Fatalf("POST qr_code %s action=scan: HTTP %d %.300s", qrCode, resp.StatusCode, b)
	}
}

// pay is the buyer confirming the payment on their phone.
func (m *mockEnv) pay(t *testing.T, outTradeNo string) { m.buyerAction(t, outTradeNo, "pay") }

// openPage is the buyer's browser opening a page-pay URL, without
// following the redirect. Production and sandbox hosts in the URL are sent
// to the mock, as a user of an SDK with a fixed host would rewrite them.
func (m *mockEnv) openPage(t *testing.T, pageURL string) (status int, location, body string) {
	t.Helper()
	rt, err := client.NewTransport(strings.TrimSuffix(m.Gateway, "/gateway.do"), nil)
	if err != nil {
		t.Fatal(err)
	}
	browser := &http.Client{
		Transport:     rt,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := browser.Get(pageURL)
	if err != nil {
		t.Fatalf("GET %s: %v", pageURL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// Keys: what merchants paste into their SDK configuration.

// credentials hold one app's configuration in every key form, so each SDK
// adapter can pick the form its users normally paste.
type credentials struct {
	AppID                    string
	AppPrivateKeyPKCS1PEM    string
	AppPrivateKeyPKCS8Base64 string
	AlipayPublicKeyPEM       string
	AlipayPublicKeyBase64    string
}

// devCredentials are the shipped dev app's files, as a user would copy them.
func devCredentials() credentials {
	return credentials{
		AppID:                    keys.DevAppID,
		AppPrivateKeyPKCS1PEM:    string(keys.DevFile("app_private_key.pem")),
		AppPrivateKeyPKCS8Base64: strings.TrimSpace(string(keys.DevFile("app_private_key_pkcs8.txt"))),
		AlipayPublicKeyPEM:       string(keys.DevFile("alipay_public_key.pem")),
		AlipayPublicKeyBase64:    strings.TrimSpace(string(keys.DevFile("alipay_public_key.txt"))),
	}
}

// strangerKey is a key pair the mock has never seen, generated once.
var strangerKey = sync.OnceValue(func() *keys.Pair {
	p, err := keys.Generate(2048)
	if err != nil {
		panic(err)
	}
	return p
})

// withWrongAppKey is the dev app signing with a private key that does not
// match the app public key registered at the mock.
func (c credentials) withWrongAppKey() credentials {
	p := strangerKey()
	c.AppPrivateKeyPKCS1PEM = string(p.PrivatePKCS1PEM)
	c.AppPrivateKeyPKCS8Base64 = p.PrivatePKCS8Base64
	return c
}

// withWrongAlipayKey configures a public key that did not sign the
// responses: every verified response must then be rejected by the SDK,
// which proves verification is really on.
func (c credentials) withWrongAlipayKey() credentials {
	p := strangerKey()
	c.AlipayPublicKeyPEM = string(p.PublicPEM)
	c.AlipayPublicKeyBase64 = p.PublicBase64
	return c
}

// unknownAppID is a well-formed sandbox app id the mock does not know.
const unknownAppID = "9021000199999999"

// Wire recording.

// exchange is one request to the gateway and its answer.
type exchange struct {
	seq                 int // order of arrival
	Method, Path, Query string
	ContentType         string
	Form                url.Values // query and body merged, as the gateway sees them
	RawBody             string
	Status              int
	Response            string
}

func (e exchange) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "  > %s %s", e.Method, e.Path)
	if q, err := url.ParseQuery(e.Query); err == nil && len(q) > 0 {
		// Only the names: where an SDK puts which parameter is what matters.
		names := make([]string, 0, len(q))
		for k := range q {
			names = append(names, k)
		}
		sort.Strings(names)
		fmt.Fprintf(&b, "  (in the query: %s)", strings.Join(names, " "))
	}
	fmt.Fprintf(&b, "\n  > Content-Type: %s\n", e.ContentType)
	ks := make([]string, 0, len(e.Form))
	for k := range e.Form {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	for _, k := range ks {
		for _, v := range e.Form[k] {
			if k == "sign" && len(v) > 24 {
				v = v[:24] + "..."
			}
			fmt.Fprintf(&b, "  >   %s=%s\n", k, v)
		}
	}
	fmt.Fprintf(&b, "  < HTTP %d\n  < %s", e.Status, e.Response)
	return b.String()
}

// wireLog records every exchange that passes through its proxy.
type wireLog struct {
	mu  sync.Mutex
	log []exchange
}

func (w *wireLog) proxyTo(gateway string) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		target := gateway
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		out, err := http.NewRequestWithContext(r.Context(), r.Method, target, bytes.NewReader(body))
		if err != nil {
			http.Error(rw, err.Error(), http.StatusBadGateway)
			return
		}
		out.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(rw, "sdktest recorder: "+err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		respBody, _ := io.ReadAll(resp.Body)

		w.mu.Lock()
		w.log = append(w.log, exchange{
			seq:    len(w.log),
			Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			ContentType: r.Header.Get("Content-Type"),
			Form:        mergedForm(r, body),
			RawBody:     string(body),
			Status:      resp.StatusCode, Response: string(respBody),
		})
		w.mu.Unlock()

		for k, vs := range resp.Header {
			for _, v := range vs {
				rw.Header().Add(k, v)
			}
		}
		rw.WriteHeader(resp.StatusCode)
		rw.Write(respBody)
	})
}

// mergedForm decodes query and body for display; multipart bodies (which
// the flows here never send) are shown raw.
func mergedForm(r *http.Request, body []byte) url.Values {
	form, _ := url.ParseQuery(r.URL.RawQuery)
	if form == nil {
		form = url.Values{}
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/x-www-form-urlencoded" || mt == "" {
		if bv, err := url.ParseQuery(string(bytes.TrimSpace(body))); err == nil {
			for k, vs := range bv {
				form[k] = append(form[k], vs...)
			}
		}
	}
	return form
}

// mentioning returns the exchanges whose request contains s (an
// out_trade_no, for example) in its query or body.
func (w *wireLog) mentioning(s string) []exchange {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []exchange
	for _, e := range w.log {
		if strings.Contains(e.Query, s) || strings.Contains(e.RawBody, s) ||
			strings.Contains(e.Form.Get("biz_content"), s) {
			out = append(out, e)
		}
	}
	return out
}

// last returns the most recent exchange.
func (w *wireLog) last() (exchange, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.log) == 0 {
		return exchange{}, false
	}
	return w.log[len(w.log)-1], true
}

// Notifications: the merchant's notify_url.

// notification is one asynchronous notification the mock delivered.
type notification struct {
	ContentType string
	RawBody     string
	Form        url.Values
}

// notifyReceiver plays the merchant's server: it records every POST and
// acknowledges it with the exact body "success".
type notifyReceiver struct {
	URL  string
	mu   sync.Mutex
	got  []notification
	wake chan struct{}
}

func newNotifyReceiver(t *testing.T) *notifyReceiver {
	r := &notifyReceiver{wake: make(chan struct{}, 1)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		form, _ := url.ParseQuery(string(body))
		r.mu.Lock()
		r.got = append(r.got, notification{ContentType: req.Header.Get("Content-Type"), RawBody: string(body), Form: form})
		r.mu.Unlock()
		select {
		case r.wake <- struct{}{}:
		default:
		}
		io.WriteString(w, "success")
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/alipay/notify"
	return r
}

// wait returns the first notification for outTradeNo that matches, or
// false once timeout has passed without one.
func (r *notifyReceiver) wait(outTradeNo string, match func(url.Values) bool, timeout time.Duration) (notification, bool) {
	deadline := time.After(timeout)
	for {
		r.mu.Lock()
		for _, n := range r.got {
			if n.Form.Get("out_trade_no") == outTradeNo && match(n.Form) {
				r.mu.Unlock()
				return n, true
			}
		}
		r.mu.Unlock()
		select {
		case <-r.wake:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			return notification{}, false
		}
	}
}

// notifyTimeout is how long a flow waits for a notification. The mock
// delivers the first attempt at once; a missing one means it sent none.
const notifyTimeout = 5 * time.Second
