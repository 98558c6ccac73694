package pgstore_test

import (
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// getAuthPage GETs an authorisation page with q: the status and body.
func getAuthPage(t *testing.T, m *mocktest.Mock, path string, q url.Values) (int, string) {
	t.Helper()
	resp, err := http.Get(m.URL + path + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// A state carrying a NUL (any byte the app puts in it comes back on the
// callback) opens the page with --store as in one process: the stored
// form keeps the state as bytes, which PostgreSQL's jsonb takes.
func TestAuthPageStateWithNULOpensWithStore(t *testing.T) {
	one := mocktest.New(t, mock.Options{})
	rs := replicas(t, 1, mock.Options{})
	for _, p := range authPages {
		q := url.Values{}
		for k, v := range p.query {
			q[k] = v
		}
		q.Set("state", "a\x00b")
		if status, body := getAuthPage(t, one, p.path, q); status != http.StatusOK || !formToken.MatchString(body) {
			t.Fatalf("%s in memory: HTTP %d %.200s", p.name, status, body)
		}
		if status, body := getAuthPage(t, rs[0], p.path, q); status != http.StatusOK || !formToken.MatchString(body) {
			t.Errorf("%s with --store: HTTP %d %.200s; want the page, as one process shows it", p.name, status, body)
		}
	}
}

// The state and redirect_uri come back on the callback as the app sent
// them, whichever replica the Allow reaches: bytes that are not UTF-8
// (%FF) and a NUL too, read from the form's row on a replica that did not
// show the page.
func TestAuthPageStateComesBackAsSentOnAnotherReplica(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, p := range authPages {
		for _, state := range []string{"s\xffs", "a\x00b"} {
			q := url.Values{}
			for k, v := range p.query {
				q[k] = v
			}
			q.Set("state", state)
			redirect := q.Get("redirect_uri") + "/\xff"
			if p.code == "app_auth_code" {
				redirect = q.Get("redirect_uri") // the app's auth_redirect_uri exactly
			}
			q.Set("redirect_uri", redirect)
			for i, m := range rs {
				status, body := getAuthPage(t, rs[0], p.path, q)
				f := formToken.FindStringSubmatch(body)
				if status != http.StatusOK || f == nil {
					t.Fatalf("%s GET: HTTP %d %.200s", p.name, status, body)
				}
				resp, err := c.PostForm(m.URL+p.path, url.Values{"form_token": {f[1]}, "action": {"consent"}, "user_id": {"2088102177846880"}})
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				loc, err := url.Parse(resp.Header.Get("Location"))
				if err != nil || resp.StatusCode != http.StatusFound {
					t.Fatalf("%s Allow on replica %d: HTTP %d %v", p.name, i, resp.StatusCode, err)
				}
				if got := loc.Query().Get("state"); got != state {
					t.Errorf("%s Allow on replica %d (page shown by replica 0): state %q on the callback, want %q as sent", p.name, i, got, state)
				}
				if want, _ := url.Parse(redirect); loc.Path != want.Path {
					t.Errorf("%s Allow on replica %d (page shown by replica 0): callback's path %q, want %q as sent", p.name, i, loc.Path, want.Path)
				}
			}
		}
	}
}
