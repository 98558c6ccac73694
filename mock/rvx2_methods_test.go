package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// docs/pages.md: the sign-in and app authorisation pages are buyer pages,
// and a buyer page answers a method it does not take with 405 不支持该请求方式
// and Allow; docs/control-api.md: OPTIONS answers 404, the mock grants no
// preflight. The authorisation pages are registered outside any group, so
// catchAll never covers them: echo answers a wrong method with the
// control API's JSON, an Allow that names OPTIONS, and OPTIONS with 204
// and that Allow.
func TestRvx2AuthorisationPagesWrongMethodIsABuyerPage(t *testing.T) {
	h := newHarness(t, mock.Options{})
	for _, path := range []string{"/oauth2/publicAppAuthorize.htm", "/oauth2/appToAppAuth.htm"} {
		status, body, hdr := h.do(request{method: http.MethodPut, path: path})
		if status != http.StatusMethodNotAllowed || hdr.Get("Allow") != "GET, HEAD, POST" ||
			!strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !strings.Contains(body, "不支持该请求方式") {
			t.Errorf("PUT %s: HTTP %d (Allow %q, %s) %.120s, want 405 (Allow \"GET, HEAD, POST\") and the buyer's page 不支持该请求方式",
				path, status, hdr.Get("Allow"), hdr.Get("Content-Type"), strings.TrimSpace(body))
		}
		if status, _, hdr := h.do(request{method: http.MethodOptions, path: path}); status != http.StatusNotFound {
			t.Errorf("OPTIONS %s: HTTP %d (Allow %q), want 404 as on every other page (the mock grants no preflight)", path, status, hdr.Get("Allow"))
		}
	}
}

// The dashboard's own root, /_mock/ui without the slash, is a route of the
// dashboard's group (GET answers the dashboard), yet a wrong method there
// is answered in the control API's JSON rather than the dashboard's error
// page, as every other dashboard path answers it (docs/control-api.md:
// "the error page on the dashboard").
func TestRvx2DashboardRootWrongMethodIsTheDashboards(t *testing.T) {
	h := newHarness(t, mock.Options{})
	relayed := map[string]string{"X-Forwarded-For": "203.0.113.7"}
	if status, _, hdr := h.do(request{method: http.MethodPut, path: "/_mock/ui", header: relayed}); status != http.StatusForbidden || hdr.Get("Allow") != "" {
		t.Errorf("PUT /_mock/ui from a relayed client: HTTP %d (Allow %q), want 403 as PUT /_mock/ui/ answers", status, hdr.Get("Allow"))
	}
	status, _, hdr := h.do(request{method: http.MethodPut, path: "/_mock/ui"})
	if status != http.StatusMethodNotAllowed || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Errorf("PUT /_mock/ui: HTTP %d (%s), want 405 on the dashboard's error page as PUT /_mock/ui/ answers", status, hdr.Get("Content-Type"))
	}
}
