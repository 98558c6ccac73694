package mock_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// rv-atk: the authorisation pages (sign-in, the ISV's app authorisation)
// are buyer pages (docs/pages.md: "pages, never JSON"), and their 405 is
// the pages' HTML, but a body over the bound and a path under /oauth2 that
// names no page answer the control API's JSON ({"error":"Request Entity
// Too Large"}) to the buyer's browser: feb45e0 moved /qr and /cashier to
// pages.Fail and left the /oauth2 group on s.jsonError (mock/routes.go).
func TestRvatkSignInPagesAnswerRefusalsAsPages(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	big := "form_token=x&buyer_id=" + strings.Repeat("1", mock.MaxPageBody)
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{http.MethodPost, "/oauth2/publicAppAuthorize.htm", big, http.StatusRequestEntityTooLarge},
		{http.MethodPost, "/oauth2/appToAppAuth.htm", big, http.StatusRequestEntityTooLarge},
		{http.MethodGet, "/oauth2/", "", http.StatusNotFound},
		{http.MethodGet, "/oauth2/authorize.htm", "", http.StatusNotFound},
	} {
		req, _ := http.NewRequest(tc.method, m.URL+tc.path, strings.NewReader(tc.body))
		if tc.body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s %s: HTTP %d %s %.100s, want %d as an HTML page, as /qr and /cashier answer", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), b, tc.status)
		}
	}
}
