package scenarios_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// X-Alipay-Mock: 1 is what docs/security.md and docs/control-api.md tell
// a browser to send with its control-API calls; a browser test harness
// sets it once for every request of its context (Playwright's
// extraHTTPHeaders), navigations included. Page and wap pay ignored the
// header before; now they read it as a forced answer and every page pay
// of such a browser is the error page ("no key \"1\""), never the cashier.
func TestRvscBrowserMarkerHeaderBreaksPagePay(t *testing.T) {
	e := newEnv(t, mock.Options{})
	st, b, loc := e.pagePay("MARK-1", "1")
	if st != http.StatusFound || !strings.Contains(loc, "/cashier/") {
		t.Errorf("page pay from a browser sending X-Alipay-Mock: 1: HTTP %d (Location %q) %.200s; want the cashier, as before", st, loc, b)
	}
}
