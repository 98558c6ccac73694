package mock_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// A wildcard under a common multi-label public suffix (com.cn, co.uk,
// github.io) is refused at start: anyone can register a name under one,
// point it at 127.0.0.1 and drive the mock from a rebound page, the very
// case the single-label rule ("*.com") refuses.
func TestAllowedHostRefusesPublicSuffixWildcard(t *testing.T) {
	for _, h := range []string{"*.com.cn", "*.co.uk", "*.github.io"} {
		s, err := mock.New(mock.Options{AllowedHosts: []string{h}})
		if err != nil {
			continue // refused at start: fine
		}
		req := httptest.NewRequest(http.MethodGet, "/_mock/apps", nil)
		req.Host = "attacker-registered." + h[2:] + ":8080"
		req.RemoteAddr = "127.0.0.1:5000" // the victim's browser, rebound
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		s.Close()
		if rec.Code == http.StatusOK {
			t.Errorf("AllowedHosts %q accepted, and Host %q (a name anyone can register) reads the control API: HTTP %d", h, req.Host, rec.Code)
		}
	}
}
