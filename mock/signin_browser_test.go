package mock_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock"
)

// Sign-in with Alipay in a browser: the merchant's link to the
// authorisation page, the consent as a chosen user, and back at the
// merchant's callback, whose server exchanges the code and reads the
// profile through the client.
func TestBrowserSignIn(t *testing.T) {
	ctx := browser(t)
	srv := mock.NewTestServer(t, mock.Options{})
	c, err := client.New(srv.DevClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/cb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		tok, err := c.OAuthToken(r.Context(), r.URL.Query().Get("auth_code"))
		if err != nil {
			fmt.Fprintf(w, `<p id="result">FAILED: %v</p>`, err)
			return
		}
		info, err := c.UserInfoShare(r.Context(), tok.AccessToken)
		if err != nil {
			fmt.Fprintf(w, `<p id="result">FAILED: %v</p>`, err)
			return
		}
		fmt.Fprintf(w, `<p id="result">state=%s user=%s nick=%s</p>`, r.URL.Query().Get("state"), info.UserID, info.NickName)
	})
	site := httptest.NewServer(mux)
	t.Cleanup(site.Close)

	const user = "2088102177846895"
	if err := chromedp.Run(ctx,
		chromedp.Navigate(c.AuthorizeURL(client.ScopeAuthUser, site.URL+"/cb", "browser-1")),
		chromedp.WaitVisible("#consent", chromedp.ByQuery),
		chromedp.SetValue("#user_id", user, chromedp.ByQuery),
		chromedp.Click("#consent", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("state=browser-1 user=%s nick=%s", user, fixtures.UserProfile(user).NickName)
	if got := text(ctx, t, "#result"); got != want {
		t.Fatalf("callback page: %q, want %q", got, want)
	}
}
