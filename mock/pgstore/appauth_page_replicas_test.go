package pgstore_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
	"github.com/alipay-mock/alipay-mock/mock/web"
)

var formToken = regexp.MustCompile(`name="form_token" value="([^"]+)"`)

// authPage is one of the authorisation pages: its path, the query that
// opens it and the callback parameter carrying its code.
type authPage struct {
	name, path, code string
	query            url.Values
}

var authPages = []authPage{
	{"app authorisation", web.AppAuthPath, "app_auth_code",
		url.Values{"app_id": {keys.DevAppID}, "redirect_uri": {"https://isv.example/cb"}}},
	{"sign-in", web.SignInPath, "auth_code",
		url.Values{"app_id": {keys.DevAppID}, "scope": {"auth_user"}, "redirect_uri": {"https://shop.example/cb"}}},
}

// open GETs the page on m and returns its form token.
func (p authPage) open(t *testing.T, m *mocktest.Mock) string {
	t.Helper()
	resp, err := http.Get(m.URL + p.path + "?" + p.query.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	f := formToken.FindStringSubmatch(string(body))
	if resp.StatusCode != http.StatusOK || f == nil {
		t.Fatalf("GET the %s page: HTTP %d %.300s", p.name, resp.StatusCode, body)
	}
	return f[1]
}

// post posts the form's answer (consent or decline) on m: the status, the
// code the redirect carries and the body. It may run in a goroutine.
func (p authPage) post(m *mocktest.Mock, token, action string) (int, string, string, error) {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(m.URL+p.path, url.Values{"form_token": {token}, "action": {action}, "user_id": {"2088102177846880"}})
	if err != nil {
		return 0, "", "", err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := ""
	if loc != nil {
		code = loc.Query().Get(p.code)
	}
	return resp.StatusCode, code, string(body), nil
}

// exchange trades the page's code on m.
func (p authPage) exchange(m *mocktest.Mock, code string) map[string]any {
	if p.code == "app_auth_code" {
		return m.Call("alipay.open.auth.token.app", `{"grant_type":"authorization_code","code":"`+code+`"}`)
	}
	return m.Verify("alipay.system.oauth.token", m.Post(m.Params("alipay.system.oauth.token", "", func(p map[string]string) {
		p["grant_type"], p["code"] = "authorization_code", code
	})), false)
}

func expired(status int, body string) bool {
	return status == http.StatusBadRequest && strings.Contains(body, "授权页已失效")
}

// An authorisation page's form shown by one replica is answered on
// another (a plain round-robin load balancer): Allow posted to replica 1
// redirects with a code, and the form is then spent on every replica; a
// form declined on another replica is spent too, and one past its 10
// minutes on the shared clock is expired on any.
func TestReplicasAuthPageFormPostedOnAnotherReplica(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	for _, p := range authPages {
		t.Run(p.name, func(t *testing.T) {
			token := p.open(t, rs[0])
			status, code, body, err := p.post(rs[1], token, "consent")
			if err != nil || status != http.StatusFound || code == "" {
				t.Fatalf("Allow posted to replica 1: HTTP %d %v %.200s; want a redirect with %s", status, err, body, p.code)
			}
			// Exchanged on replica 0, which did not issue it.
			if x := p.exchange(rs[0], code); x["code"] != "10000" && x["access_token"] == nil {
				t.Fatalf("the code exchanged: %v", x)
			}
			for i, m := range rs {
				if status, _, body, _ := p.post(m, token, "consent"); !expired(status, body) {
					t.Errorf("Allow again on replica %d: HTTP %d %.200s; want 授权页已失效", i, status, body)
				}
			}

			token = p.open(t, rs[0])
			if status, _, body, _ := p.post(rs[1], token, "decline"); status != http.StatusOK || !strings.Contains(body, "已取消授权") {
				t.Fatalf("Cancel posted to replica 1: HTTP %d %.200s", status, body)
			}
			if status, _, body, _ := p.post(rs[0], token, "consent"); !expired(status, body) {
				t.Errorf("Allow on replica 0 after Cancel on replica 1: HTTP %d %.200s; want 授权页已失效", status, body)
			}

			token = p.open(t, rs[0])
			rs[1].Advance("10m")
			// Replica 0 takes the clock up before the next page it shows (a
			// control request waits for the announcements before it).
			rs[0].Control(http.MethodGet, "/clock", nil, http.StatusOK)
			if status, _, body, _ := p.post(rs[1], token, "consent"); !expired(status, body) {
				t.Errorf("Allow after 10 minutes on the mock's clock: HTTP %d %.200s; want 授权页已失效", status, body)
			}
		})
	}
}

// One form posted on two replicas at once is spent once: one code, and
// the other post is 授权页已失效.
func TestReplicasAuthPageFormDoublePostGivesOneCode(t *testing.T) {
	rs := replicas(t, 3, mock.Options{})
	for _, p := range authPages {
		t.Run(p.name, func(t *testing.T) {
			for round := 0; round < 5; round++ {
				token := p.open(t, rs[0])
				type answer struct {
					status     int
					code, body string
					err        error
				}
				answers := make([]answer, 2)
				var start, done sync.WaitGroup
				start.Add(1)
				for i := range answers {
					done.Add(1)
					go func() {
						defer done.Done()
						start.Wait()
						a := &answers[i]
						a.status, a.code, a.body, a.err = p.post(rs[1+i], token, "consent")
					}()
				}
				start.Done()
				done.Wait()
				codes, gone := 0, 0
				for i, a := range answers {
					switch {
					case a.err != nil:
						t.Fatalf("post on replica %d: %v", 1+i, a.err)
					case a.status == http.StatusFound && a.code != "":
						codes++
					case expired(a.status, a.body):
						gone++
					default:
						t.Fatalf("post on replica %d: HTTP %d %.200s", 1+i, a.status, a.body)
					}
				}
				if codes != 1 || gone != 1 {
					t.Fatalf("round %d: %d codes and %d 授权页已失效; want one of each", round, codes, gone)
				}
			}
		})
	}
}

// A database failure on the form's post (the form read on another
// replica, or spent on its own) or on showing the page is the page's 503,
// never a code and never 授权页已失效.
func TestReplicasAuthPageFormDatabaseGoneIs503(t *testing.T) {
	rs, dbURL := replicasAt(t, 2, mock.Options{})
	tokens := make([]string, len(authPages))
	for i, p := range authPages {
		tokens[i] = p.open(t, rs[0])
	}
	databaseGone(t, dbURL)
	for i, p := range authPages {
		for j, m := range rs {
			status, code, body, err := p.post(m, tokens[i], "consent")
			if err != nil || status != http.StatusServiceUnavailable || code != "" || strings.Contains(body, "授权页已失效") {
				t.Errorf("%s: Allow on replica %d with the database gone: HTTP %d %q %v %.200s; want 503", p.name, j, status, code, err, body)
			}
		}
		if status, _, body, _ := p.post(rs[1], tokens[i], "decline"); status != http.StatusServiceUnavailable {
			t.Errorf("%s: Cancel on replica 1 with the database gone: HTTP %d %.200s; want 503", p.name, status, body)
		}
		resp, err := http.Get(rs[0].URL + p.path + "?" + p.query.Encode())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || formToken.Match(body) {
			t.Errorf("%s: GET the page with the database gone: HTTP %d %.200s; want 503", p.name, resp.StatusCode, body)
		}
	}
}

// Past the bound on forms (userauth.MaxForms, per app) the oldest form
// goes for every replica: posted on another replica it is 授权页已失效,
// while the newest works there.
func TestReplicasAuthPageFormPastTheBoundGoesForAll(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	p := authPages[0]
	first := p.open(t, rs[0])
	var last string
	for range userauth.MaxForms {
		last = p.open(t, rs[0])
	}
	if status, _, body, _ := p.post(rs[1], first, "consent"); !expired(status, body) {
		t.Errorf("the form evicted, posted on replica 1: HTTP %d %.200s; want 授权页已失效", status, body)
	}
	if status, code, body, _ := p.post(rs[1], last, "consent"); status != http.StatusFound || code == "" {
		t.Errorf("the newest form, posted on replica 1: HTTP %d %.200s; want a redirect with a code", status, body)
	}
}

// A replica starting deletes the stored forms that expired (those a
// stopped replica left), and keeps the open ones.
func TestReplicaStartDeletesExpiredForms(t *testing.T) {
	rs, dbURL := replicasAt(t, 1, mock.Options{})
	p := authPages[1]
	p.open(t, rs[0])
	rs[0].Advance("10m")
	open := p.open(t, rs[0])
	o := mock.Options{Store: dbURL}
	mocktest.New(t, o)
	forms, err := openDB(t, dbURL).AuthForms()
	if err != nil {
		t.Fatal(err)
	}
	if len(forms) != 1 || forms[0].Token != open {
		t.Fatalf("stored forms after a replica started: %+v; want the open one only", forms)
	}
}
