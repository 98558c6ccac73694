package mock_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// A known path asked with a method it does not take is 405 with Allow
// (RFC 9110 §15.5.6), not 404 "Not Found": `curl -X POST
// /_mock/health`, a DELETE of /_mock/apps or a GET of /_mock/reset read
// as if the path did not exist. /downloadBillFile.resource already
// answers 405 (routes_test.go); the route groups (control API, dashboard,
// buyer pages) do not.
func TestRvsecWrongMethodIs405(t *testing.T) {
	h := newHarness(t, mock.Options{})
	qr, err := url.Parse(h.precreate("rvsec-405", nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ method, path string }{
		{http.MethodPost, "/_mock/health"},
		{http.MethodPut, "/_mock/health"},
		{http.MethodDelete, "/_mock/apps"},
		{http.MethodGet, "/_mock/reset"},
		{http.MethodPut, qr.Path},
	} {
		status, body, hdr := h.do(request{method: c.method, path: c.path, header: map[string]string{"Content-Type": "application/json"}})
		if status != http.StatusMethodNotAllowed || hdr.Get("Allow") == "" {
			t.Errorf("%s %s: HTTP %d (Allow %q) %s, want 405 with Allow", c.method, c.path, status, hdr.Get("Allow"), strings.TrimSpace(body))
		}
	}
}
