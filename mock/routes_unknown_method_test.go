package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// /_mock/ui takes GET and HEAD only. Any other method there, one outside
// the filler routes too (BREW, PROPFIND), is answered as PUT is: 405 on
// the dashboard's error page, Allow naming only the methods taken (not the
// filler routes, which are themselves refused).
func TestDashboardRootUnknownMethodAllowNamesOnlyTakenMethods(t *testing.T) {
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
