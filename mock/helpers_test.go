package mock_test

import (
	"crypto/rsa"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// epoch is the fixed start of the manual clock: 2026-11-23 10:00:00 GMT+8.
var epoch = mocktest.Epoch

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

// harness is mocktest.Mock under the names this package's tests use; a
// literal may wrap a server started some other way.
type harness struct {
	t     *testing.T
	srv   *mock.Server
	http  *httptest.Server
	clock *clock.Sim
	key   *rsa.PrivateKey
	appID string // mocktest.Mock.AppID: empty is the dev app
}

// certApp is h acting as the certificate-mode dev app, which fund methods
// need.
func (h *harness) certApp() *harness {
	c := *h
	c.appID = keys.DevCertAppID
	return &c
}

// newHarness runs a mock with a manual clock and seed 1 behind httptest.
func newHarness(t *testing.T, opts mock.Options) *harness {
	t.Helper()
	m := mocktest.New(t, opts)
	return &harness{t: t, srv: m.Srv, http: m.HTTP, clock: m.Clock, key: m.Key}
}

// m is the shared harness on h's server, reporting to h.t.
func (h *harness) m() *mocktest.Mock {
	return &mocktest.Mock{T: h.t, Srv: h.srv, URL: h.http.URL, HTTP: h.http, Clock: h.clock, Key: h.key, AppID: h.appID}
}

// params are the common parameters of a dev-app request, signed.
// h.t may be nil here (the fuzz harness's seeds).
func (h *harness) params(method, biz string, edit func(map[string]string)) map[string]string {
	return h.m().Params(method, biz, edit)
}

func form(p map[string]string) url.Values { return mocktest.Form(p) }

// post sends params as a form body and returns the raw response body.
func (h *harness) post(p map[string]string) []byte {
	h.t.Helper()
	return h.m().Post(p)
}

func (h *harness) read(resp *http.Response) []byte {
	h.t.Helper()
	return h.m().Read(resp)
}

// call signs and posts a request, verifies the response signature when
// present, and returns the node's fields.
func (h *harness) call(method, biz string) map[string]any {
	h.t.Helper()
	return h.m().Call(method, biz)
}

func (h *harness) verify(method string, body []byte, mustSign bool) map[string]any {
	h.t.Helper()
	return h.m().Verify(method, body, mustSign)
}

// control calls the control API and decodes the JSON answer (nil when it
// is not an object).
func (h *harness) control(method, path, body string, want int) map[string]any {
	h.t.Helper()
	var m map[string]any
	_ = json.Unmarshal(h.m().Control(method, path, body, want), &m)
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
