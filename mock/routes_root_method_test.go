package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// An unknown method at /_mock/ui is answered by the dashboard root's own
// handler, as PUT is: not after the control API's middleware (ReadableQuery,
// SameOrigin), whose JSON 400 or 403 answered first. The dashboard's guard
// still holds (a relayed client: 403).
func TestDashboardRootUnknownMethodSkipsTheControlAPIsMiddleware(t *testing.T) {
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
	relayed := map[string]string{"X-Forwarded-For": "203.0.113.7"}
	if status, body, _ := h.do(request{method: "BREW", path: "/_mock/ui", header: relayed}); status != http.StatusForbidden {
		t.Errorf("BREW /_mock/ui from a relayed client: HTTP %d %.120s, want 403", status, body)
	}
}
