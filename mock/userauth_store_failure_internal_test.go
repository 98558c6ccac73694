package mock

// Sign-in tokens the data directory failed to keep.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/store"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
	"github.com/alipay-mock/alipay-mock/mock/web"
)

// An access token the store failed to write is not issued: the exchange
// answers 20000 and its code stays spent (a code is spent by any attempt),
// and a refresh answers 20000 and leaves the old pair in force, so the
// user's retry can still work. The data file fails token writes only.
func TestOAuthTokenNotStoredIsAStoreFailure(t *testing.T) {
	s, err := New(Options{DataDir: t.TempDir(), Clock: clock.NewManual(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)),
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 4}))})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(func() { hs.Close(); _ = s.Close() })
	cfg := s.DevClientConfig()
	cfg.GatewayURL = hs.URL + GatewayPath
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const user = "2088102100000001"
	kept, err := s.Users.Grant(cfg.AppID, userauth.ScopeUser, user)
	if err != nil {
		t.Fatal(err)
	}
	lost, err := s.Users.Grant(cfg.AppID, userauth.ScopeUser, user)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := c.OAuthToken(ctx, kept.Code)
	if err != nil {
		t.Fatal(err)
	}
	s.Users.Persist(tokensUnstored{s.db})
	want := func(what string, err error, code, subCode string) {
		t.Helper()
		var ae *client.Error
		if !errors.As(err, &ae) || ae.Code != code || ae.SubCode != subCode {
			t.Errorf("%s: %v, want %s %s", what, err, code, subCode)
		}
	}

	_, err = c.OAuthToken(ctx, lost.Code)
	want("exchange with the store failing", err, "20000", "isp.unknow-error")
	_, err = c.OAuthToken(ctx, lost.Code)
	want("the code again", err, "40002", "isv.code-invalid")
	if _, _, tokens := s.Users.Len(); tokens != 1 {
		t.Errorf("the book holds %d tokens, want 1 (none for the failed exchange)", tokens)
	}

	_, err = c.RefreshOAuthToken(ctx, pair.RefreshToken)
	want("refresh with the store failing", err, "20000", "isp.unknow-error")
	if _, err := c.UserInfoShare(ctx, pair.AccessToken); err != nil {
		t.Errorf("the access token after a refresh that failed: %v, want it still in force", err)
	}
	_, err = c.RefreshOAuthToken(ctx, pair.RefreshToken)
	want("the refresh again", err, "20000", "isp.unknow-error")
}

// tokensUnstored is the data file failing to write sign-in tokens.
type tokensUnstored struct{ *store.DB }

func (tokensUnstored) PutUserToken(...userauth.Token) error {
	return errors.New("review: the token is not written")
}

// signInDir starts a mock on a data directory whose sign-in writes go
// through st(db) when st is not nil.
func signInDir(t *testing.T, d *restartDir, st func(*store.DB) userauth.Store) (*Server, *client.Client, func()) {
	t.Helper()
	s, c, stop := d.start()
	if st != nil {
		s.Users.Persist(st(s.db))
	}
	return s, c, stop
}

// An auth_code the data file failed to keep is handed out by neither
// POST /_mock/user-auth-codes nor the sign-in page: both answer 503, and
// the page's form stays open for the retry.
func TestUserAuthCodeNotStoredIsNotHandedOut(t *testing.T) {
	d := newRestartDir(t, "success", nil)
	s, c, _ := signInDir(t, d, nil)
	q := url.Values{"app_id": {c.AppID()}, "scope": {"auth_user"}, "redirect_uri": {"https://shop.example/cb"}}
	resp, page := send(t, http.MethodGet, d.url+web.SignInPath+"?"+q.Encode(), nil)
	m := regexp.MustCompile(`name="form_token" value="([^"]+)"`).FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("the sign-in page: HTTP %d %s", resp.StatusCode, page)
	}
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"app_id": c.AppID(), "user_id": "2088102100000001"})
	if resp, out := send(t, http.MethodPost, d.url+"/_mock/user-auth-codes", body); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("POST /_mock/user-auth-codes with the store failing: HTTP %d %s, want 503", resp.StatusCode, out)
	}
	consent := url.Values{"form_token": {m[1]}, "user_id": {"2088102100000001"}, "action": {"consent"}}
	for i := range 2 { // the form stays open: the retry meets the store again
		resp, out := send(t, http.MethodPost, d.url+web.SignInPath, []byte(consent.Encode()))
		if resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(out, "auth_code") {
			t.Errorf("consent %d with the store failing: HTTP %d (%s), want 503 and no code", i+1, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if _, codes, _ := s.Users.Len(); codes != 0 {
		t.Errorf("the book holds %d codes, want none", codes)
	}
}

// codeSpendUnstored is the data file failing to write sign-in codes.
type codeSpendUnstored struct{ *store.DB }

func (codeSpendUnstored) PutUserCode(userauth.Code) error {
	return errors.New("review: the code is not written")
}

// A code whose spending the data file failed to write is not exchanged:
// 20000, no token (one issued would let a restart exchange the code
// again). The code stays as stored, unspent: once the store answers, the
// retry exchanges it, and after a restart it is spent.
func TestOAuthCodeSpendNotStoredIssuesNoToken(t *testing.T) {
	d := newRestartDir(t, "success", nil)
	s, c, stop := signInDir(t, d, nil)
	ctx := context.Background()
	code, err := s.Users.Grant(c.AppID(), userauth.ScopeUser, "2088102100000001")
	if err != nil {
		t.Fatal(err)
	}
	s.Users.Persist(codeSpendUnstored{s.db})
	_, err = c.OAuthToken(ctx, code.Code)
	wantAPI(t, "an exchange whose spending was not stored", err, "20000", "isp.unknow-error")
	if _, _, tokens := s.Users.Len(); tokens != 0 {
		t.Errorf("the book holds %d tokens, want none", tokens)
	}
	s.Users.Persist(s.db)
	if _, err := c.OAuthToken(ctx, code.Code); err != nil {
		t.Fatalf("the retry with the store back: %v", err)
	}
	stop()
	_, c2, _ := signInDir(t, d, nil)
	_, err = c2.OAuthToken(ctx, code.Code)
	wantAPI(t, "the code after a restart", err, "40002", "isv.code-invalid")
}

// deletesUnstored is the data file failing to delete sign-in codes and
// tokens.
type deletesUnstored struct{ *store.DB }

func (deletesUnstored) DeleteUserAuth([]string) error { return errors.New("review: not deleted") }

// A refresh whose old pair the data file failed to delete leaves it
// stored as replaced (written with the new pair, in one commit): after a
// restart only the new pair works, never both.
func TestRefreshedPairNotDeletedStaysReplacedAfterRestart(t *testing.T) {
	d := newRestartDir(t, "success", nil)
	s, c, stop := signInDir(t, d, func(db *store.DB) userauth.Store { return deletesUnstored{db} })
	ctx := context.Background()
	code, err := s.Users.Grant(c.AppID(), userauth.ScopeUser, "2088102100000001")
	if err != nil {
		t.Fatal(err)
	}
	old, err := c.OAuthToken(ctx, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	next, err := c.RefreshOAuthToken(ctx, old.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	stop()
	_, c2, _ := signInDir(t, d, nil)
	_, err = c2.UserInfoShare(ctx, old.AccessToken)
	wantAPI(t, "the replaced access token after a restart", err, "20001", "aop.invalid-auth-token")
	_, err = c2.RefreshOAuthToken(ctx, old.RefreshToken)
	wantAPI(t, "the replaced refresh token after a restart", err, "40002", "isv.refresh-token-invalid")
	if _, err := c2.UserInfoShare(ctx, next.AccessToken); err != nil {
		t.Errorf("the new access token after a restart: %v", err)
	}
}

func wantAPI(t *testing.T, what string, err error, code, subCode string) {
	t.Helper()
	var ae *client.Error
	if !errors.As(err, &ae) || ae.Code != code || ae.SubCode != subCode {
		t.Errorf("%s: %v, want %s %s", what, err, code, subCode)
	}
}

// send makes a request (a form when body is not JSON) without following
// redirects.
func send(t *testing.T, method, u string, body []byte) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(body) > 0 && body[0] == '{' {
		req.Header.Set("Content-Type", "application/json")
	} else if len(body) > 0 {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}
