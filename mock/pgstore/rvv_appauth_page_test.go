package pgstore_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/web"
)

var rvvFormToken = regexp.MustCompile(`name="form_token" value="([^"]+)"`)

// Replicas behind a load balancer act as one mock (docs/replicas.md), but
// the app authorisation page's one-time form lives in the memory of the
// replica that showed it: the merchant's Allow, posted to another replica,
// is "授权页已失效" (400), where one process redirects with the code. The
// docs say nothing of it (the sign-in page's forms are the same).
func TestRvvReplicasAppAuthPageConsentOnAnotherReplica(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	q := url.Values{"app_id": {keys.DevAppID}, "redirect_uri": {"https://isv.example/cb"}}
	resp, err := http.Get(rs[0].URL + web.AppAuthPath + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := rvvFormToken.FindStringSubmatch(string(body))
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("GET the page on replica 0: HTTP %d %.300s", resp.StatusCode, body)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = c.PostForm(rs[1].URL+web.AppAuthPath, url.Values{"form_token": {m[1]}, "action": {"consent"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("Allow posted to replica 1: HTTP %d %.200s; want the redirect with app_auth_code one process gives", resp.StatusCode, body)
	}
}
