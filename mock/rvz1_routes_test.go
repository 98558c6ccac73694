package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// rv-z1: an unknown method at /_mock/ui is handed from the control API's
// catch-all to the dashboard root's, but only after the control API's own
// middleware (ReadableQuery, SameOrigin) ran: BREW /_mock/ui?app_id= gets
// the control API's JSON 400, where PUT /_mock/ui?app_id= (the same path,
// another refused method) gets the dashboard's 405 page.
func TestRvz1DashboardRootUnknownMethodSkipsControlMiddleware(t *testing.T) {
	h := newHarness(t, mock.Options{})
	put, _, putHdr := h.do(request{method: http.MethodPut, path: "/_mock/ui?app_id="})
	if put != http.StatusMethodNotAllowed || !strings.HasPrefix(putHdr.Get("Content-Type"), "text/html") {
		t.Fatalf("PUT /_mock/ui?app_id=: HTTP %d (%s), want the dashboard's 405 page", put, putHdr.Get("Content-Type"))
	}
	status, body, hdr := h.do(request{method: "BREW", path: "/_mock/ui?app_id="})
	if status != put || hdr.Get("Content-Type") != putHdr.Get("Content-Type") || hdr.Get("Allow") != putHdr.Get("Allow") {
		t.Errorf("BREW /_mock/ui?app_id=: HTTP %d (%s, Allow %q) %.120s; want what PUT gets: HTTP %d (%s, Allow %q)",
			status, hdr.Get("Content-Type"), hdr.Get("Allow"), body, put, putHdr.Get("Content-Type"), putHdr.Get("Allow"))
	}
	// The control API's SameOrigin too: JSON 403 where PUT gets the 405 page.
	cross := map[string]string{"Origin": "http://elsewhere.example"}
	put, _, putHdr = h.do(request{method: http.MethodPut, path: "/_mock/ui", header: cross})
	status, body, hdr = h.do(request{method: "BREW", path: "/_mock/ui", header: cross})
	if status != put || hdr.Get("Content-Type") != putHdr.Get("Content-Type") {
		t.Errorf("BREW /_mock/ui from another origin: HTTP %d (%s) %.120s; want what PUT gets: HTTP %d (%s)",
			status, hdr.Get("Content-Type"), body, put, putHdr.Get("Content-Type"))
	}
}
