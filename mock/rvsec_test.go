package mock_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// HEAD is GET without the body (RFC 9110 §9.3.2: "All general-purpose
// servers MUST support the methods GET and HEAD", §9.1). `wget --spider`,
// uptime monitors and link checkers ask HEAD; the mock answers 404 on
// every GET route of the control API, the dashboard and the buyer pages,
// as if the page did not exist (gateway.do, which takes any method,
// answers).
func TestRvsecHeadAnswersAsGet(t *testing.T) {
	h := newHarness(t, mock.Options{})
	qr, err := url.Parse(h.precreate("rvsec-head", nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/_mock/health", "/_mock/alipay-public-key", "/_mock/ui/", qr.Path, qr.Path + ".png"} {
		get, _, _ := h.do(request{path: path})
		if get != http.StatusOK {
			t.Fatalf("GET %s: HTTP %d, want 200", path, get)
		}
		head, body, _ := h.do(request{method: http.MethodHead, path: path})
		if head != get || body != "" {
			t.Errorf("HEAD %s: HTTP %d with %d bytes, want %d with no body as GET answers", path, head, len(body), get)
		}
	}
}

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
