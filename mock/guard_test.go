package mock_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// The control API and dashboard answer loopback clients, or others that
// show the token; the gateway and buyer pages answer everyone.
func TestControlAPIGuard(t *testing.T) {
	open, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	guarded, err := mock.New(mock.Options{ControlToken: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	defer guarded.Close()
	cases := []struct {
		name   string
		srv    *mock.Server
		path   string
		remote string
		header map[string]string
		want   int
	}{
		{"loopback, no token set", open, "/_mock/health", "127.0.0.1:5000", nil, 200},
		{"ipv6 loopback", open, "/_mock/trades", "[::1]:5000", nil, 200},
		{"other host, no token set", open, "/_mock/health", "172.17.0.1:5000", nil, 403},
		{"other host, dashboard", open, "/_mock/ui", "172.17.0.1:5000", nil, 403},
		{"spoofed forwarding header", open, "/_mock/health", "172.17.0.1:5000", map[string]string{"X-Forwarded-For": "127.0.0.1"}, 403},
		{"other host, gateway is public", open, "/gateway.do", "172.17.0.1:5000", nil, 200},
		{"other host, wrong token", guarded, "/_mock/health", "10.1.2.3:5000", map[string]string{"X-Alipay-Mock-Token": "nope"}, 401},
		{"other host, token header", guarded, "/_mock/health", "10.1.2.3:5000", map[string]string{"X-Alipay-Mock-Token": "s3cret"}, 200},
		{"other host, bearer", guarded, "/_mock/trades", "10.1.2.3:5000", map[string]string{"Authorization": "Bearer s3cret"}, 200},
		{"other host, query token", guarded, "/_mock/ui?token=s3cret", "10.1.2.3:5000", nil, 200},
		{"other host, no token", guarded, "/_mock/health", "10.1.2.3:5000", nil, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			req.RemoteAddr = tc.remote
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			tc.srv.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Errorf("HTTP %d, want %d: %s", rec.Code, tc.want, rec.Body.String())
			}
		})
	}
}
