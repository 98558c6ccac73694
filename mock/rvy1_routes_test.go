package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// /_mock/ui takes GET and HEAD only; PUT there answers 405 with Allow
// "GET, HEAD" on the dashboard's error page. A method outside catchAll's
// filler list (BREW, PROPFIND, ...) falls to the control API's catch-all,
// whose routed map counts the dashboard root's filler routes (POST, PUT,
// PATCH, DELETE /_mock/ui, routed to a 405) as methods the path takes: it
// answers JSON with Allow "GET, HEAD, POST, PUT, PATCH, DELETE", naming
// four methods that are themselves refused.
func TestRvy1DashboardRootUnknownMethodAllowNamesOnlyTakenMethods(t *testing.T) {
	h := newHarness(t, mock.Options{})
	for _, method := range []string{"BREW", "PROPFIND"} {
		status, _, hdr := h.do(request{method: method, path: "/_mock/ui"})
		if status != http.StatusMethodNotAllowed || hdr.Get("Allow") != "GET, HEAD" || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
			t.Errorf("%s /_mock/ui: HTTP %d, Allow %q (%s), want 405 with Allow \"GET, HEAD\" on the dashboard's error page, as PUT /_mock/ui answers",
				method, status, hdr.Get("Allow"), hdr.Get("Content-Type"))
		}
	}
	// The methods that Allow names are refused themselves.
	if status, _, _ := h.do(request{method: http.MethodPut, path: "/_mock/ui"}); status != http.StatusMethodNotAllowed {
		t.Errorf("PUT /_mock/ui: HTTP %d", status)
	}
}
