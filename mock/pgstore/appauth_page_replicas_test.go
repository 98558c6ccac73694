package pgstore_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/web"
)

var formToken = regexp.MustCompile(`name="form_token" value="([^"]+)"`)

// The authorisation pages' one-time forms live in the memory of the
// replica that showed them (docs/replicas.md: route a page's GET and POST
// to one replica). Allow posted to another replica is the page's
// "授权页已失效" (400), not a server error, and leaves the form open; on
// its own replica it redirects with an app_auth_code every replica
// exchanges.
func TestReplicasAppAuthPageFormWorksOnTheReplicaThatShowedIt(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	q := url.Values{"app_id": {keys.DevAppID}, "redirect_uri": {"https://isv.example/cb"}}
	resp, err := http.Get(rs[0].URL + web.AppAuthPath + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := formToken.FindStringSubmatch(string(body))
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("GET the page on replica 0: HTTP %d %.300s", resp.StatusCode, body)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	allow := func(base string) (*http.Response, string) {
		resp, err := c.PostForm(base+web.AppAuthPath, url.Values{"form_token": {m[1]}, "action": {"consent"}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(body)
	}
	if resp, body := allow(rs[1].URL); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "授权页已失效") {
		t.Fatalf("Allow posted to replica 1: HTTP %d %.200s; want the page's 400 (documented)", resp.StatusCode, body)
	}
	resp, _ = allow(rs[0].URL)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get("app_auth_code") == "" {
		t.Fatalf("Allow posted to replica 0: HTTP %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if x := rs[1].Call("alipay.open.auth.token.app", `{"grant_type":"authorization_code","code":"`+loc.Query().Get("app_auth_code")+`"}`); x["code"] != "10000" {
		t.Fatalf("the page's code exchanged on replica 1: %v", x)
	}
}
