package mock_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// What the buyer pages (the authorisation pages too) refuse before a
// handler runs (a path with no token or page, a body over the bound) is
// answered as their other refusals: an HTML page in their shape with the
// status, not the control API's JSON.
func TestBuyerPagesAnswerRefusalsAsPages(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	for _, tc := range []struct {
		method, path string
		body         string
		status       int
		says         string
	}{
		{http.MethodGet, "/qr/", "", http.StatusNotFound, "订单不存在或已失效"},
		{http.MethodGet, "/cashier/", "", http.StatusNotFound, "订单不存在或已失效"},
		{http.MethodGet, "/cashier/coupon/", "", http.StatusNotFound, "订单不存在或已失效"},
		{http.MethodGet, "/qr", "", http.StatusNotFound, "订单不存在或已失效"},
		{http.MethodPost, "/cashier/nothing", "action=pay&buyer_id=" + strings.Repeat("1", mock.MaxPageBody), http.StatusRequestEntityTooLarge, "请求内容过大"},
		{http.MethodPost, "/qr/nothing", "action=pay&buyer_id=" + strings.Repeat("1", mock.MaxPageBody), http.StatusRequestEntityTooLarge, "请求内容过大"},
		// The authorisation pages are buyer pages too.
		{http.MethodPost, "/oauth2/publicAppAuthorize.htm", "form_token=x&buyer_id=" + strings.Repeat("1", mock.MaxPageBody), http.StatusRequestEntityTooLarge, "请求内容过大"},
		{http.MethodPost, "/oauth2/appToAppAuth.htm", "form_token=x&buyer_id=" + strings.Repeat("1", mock.MaxPageBody), http.StatusRequestEntityTooLarge, "请求内容过大"},
		{http.MethodGet, "/oauth2/", "", http.StatusNotFound, "订单不存在或已失效"},
		{http.MethodGet, "/oauth2/authorize.htm", "", http.StatusNotFound, "订单不存在或已失效"},
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
		body := string(b)
		if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, tc.says) {
			t.Errorf("%s %s: HTTP %d %s, want %d and a page saying %s: %.120s", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.status, tc.says, body)
		}
	}
}
