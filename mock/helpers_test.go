package mock_test

import (
	"crypto/rsa"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
)

var update = flag.Bool("update", false, "rewrite golden files")

// epoch is the fixed start of the manual clock: 2026-11-23 10:00:00 GMT+8.
var epoch = time.Date(2026, 11, 23, 10, 0, 0, 0, timestamp.Zone)

// farFromBoth is a timestamp more than a day from the mock's reading and
// from the wall clock, whatever today's date: of two candidates 96 h
// apart, at most one can be within 25 h of the wall.
func farFromBoth(mockNow time.Time) string {
	wall := time.Now()
	for _, d := range []time.Duration{-48 * time.Hour, 48 * time.Hour} {
		if c := mockNow.Add(d); c.Sub(wall) > 25*time.Hour || wall.Sub(c) > 25*time.Hour {
			return timestamp.Format(c)
		}
	}
	panic("unreachable")
}

type harness struct {
	t     *testing.T
	srv   *mock.Server
	http  *httptest.Server
	clock *clock.Sim
	key   *rsa.PrivateKey
}

// newHarness runs a mock with a manual clock and seed 1 behind httptest.
func newHarness(t *testing.T, opts mock.Options) *harness {
	t.Helper()
	c := clock.NewManual(epoch)
	opts.Clock = c
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	srv, err := mock.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, srv: srv, http: httptest.NewServer(srv), clock: c, key: keys.DevAppPrivateKey()}
	t.Cleanup(func() { h.http.Close(); srv.Close() })
	return h
}

// params are the common parameters of a dev-app request, signed.
func (h *harness) params(method, biz string, edit func(map[string]string)) map[string]string {
	p := map[string]string{
		"app_id": keys.DevAppID, "method": method, "format": "JSON", "charset": "utf-8",
		"sign_type": "RSA2", "timestamp": timestamp.Format(h.clock.Now()), "version": "1.0",
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
		s, err := sign.SignString(h.key, st, cs, sign.RequestContent(p))
		if err != nil {
			h.t.Fatal(err)
		}
		p["sign"] = s
	}
	for k, v := range p {
		if v == "\x00" { // marks a parameter to leave out after signing
			delete(p, k)
		}
	}
	return p
}

func form(p map[string]string) url.Values {
	v := url.Values{}
	for k, x := range p {
		v.Set(k, x)
	}
	return v
}

// post sends params as a form body and returns the raw response body.
func (h *harness) post(p map[string]string) []byte {
	h.t.Helper()
	resp, err := http.PostForm(h.http.URL+"/gateway.do", form(p))
	if err != nil {
		h.t.Fatal(err)
	}
	return h.read(resp)
}

func (h *harness) read(resp *http.Response) []byte {
	h.t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("HTTP %d: %s", resp.StatusCode, b)
	}
	return b
}

// call signs and posts a request, verifies the response signature when
// present, and returns the node's fields.
func (h *harness) call(method, biz string) map[string]any {
	h.t.Helper()
	return h.verify(method, h.post(h.params(method, biz, nil)), true)
}

func (h *harness) verify(method string, body []byte, mustSign bool) map[string]any {
	h.t.Helper()
	r, err := sign.ParseResponse(body, method)
	if err != nil {
		h.t.Fatalf("%s: %v in %s", method, err, body)
	}
	if r.Sign == "" {
		if mustSign {
			h.t.Fatalf("%s: unsigned response %s", method, body)
		}
	} else if err := sign.Verify(h.srv.AlipayPublicKey(), sign.RSA2, r.Raw, r.Sign); err != nil {
		h.t.Fatalf("%s: response signature does not verify: %s", method, body)
	}
	var m map[string]any
	if err := json.Unmarshal(r.Raw, &m); err != nil {
		h.t.Fatal(err)
	}
	return m
}

// control calls the control API and decodes the JSON answer.
func (h *harness) control(method, path, body string, want int) map[string]any {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.http.URL+"/_mock"+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		h.t.Fatalf("%s %s: HTTP %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./mock -run %s -update)", err, t.Name())
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from golden file\n got: %s\nwant: %s", name, got, want)
	}
}

func expect(t *testing.T, m map[string]any, kv ...string) {
	t.Helper()
	for i := 0; i+1 < len(kv); i += 2 {
		got, _ := m[kv[i]].(string)
		if got != kv[i+1] {
			t.Errorf("%s = %q, want %q (node %v)", kv[i], got, kv[i+1], m)
		}
	}
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
