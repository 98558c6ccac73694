package mock_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/appauth"
	"github.com/alipay-mock/alipay-mock/mock/store"
)

// App authorisations are bounded: a chain of refreshes keeps each
// refreshed token while its refresh token works (its term and
// appauth.ExpiredKept), then only the one in use; expired codes, used or
// not, go when the next code is made; what goes is deleted from --data's
// file too; the list is paged.
func TestAppAuthTokensAndCodesAreBounded(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s1, isv := startWithData(t, dir, epoch)
	kept := func(s *mock.Server) (codes, tokens int) {
		t.Helper()
		var m struct {
			Codes  struct{ Count, Keep int } `json:"app_auth_codes"`
			Tokens struct{ Count, Keep int } `json:"app_auth_tokens"`
		}
		getJSON(t, s.URL()+"/_mock/memory", &m)
		if m.Codes.Keep != 4096 || m.Tokens.Keep != 16384 {
			t.Fatalf("/_mock/memory bounds: %+v", m)
		}
		return m.Codes.Count, m.Tokens.Count
	}
	advance := func(s *mock.Server, by string) {
		postJSON(t, s.URL()+"/_mock/clock/advance", `{"by":"`+by+`"}`, http.StatusOK, nil)
	}
	newCode := func(s *mock.Server) string {
		var code struct {
			Code string `json:"app_auth_code"`
		}
		postJSON(t, s.URL()+"/_mock/app-auth-codes", `{"app_id":"`+keys.DevAppID+`"}`, http.StatusCreated, &code)
		return code.Code
	}

	tok, err := isv.ExchangeAppAuthCode(ctx, newCode(s1))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		advance(s1, "10m")
		next, err := isv.RefreshAppAuthToken(ctx, tok.AppRefreshToken)
		if err != nil {
			t.Fatalf("refresh %d: %v", i, err)
		}
		tok = next
	}
	if _, tokens := kept(s1); tokens != 21 {
		t.Errorf("%d tokens kept after 20 refreshes, want 21 (the refresh tokens work on)", tokens)
	}
	advance(s1, strconv.Itoa(int((appauth.RefreshLifetime+appauth.ExpiredKept).Hours()))+"h")
	if _, tokens := kept(s1); tokens != 1 {
		t.Errorf("%d tokens kept past the refresh tokens' terms, want 1 (the one in use)", tokens)
	}
	second, err := isv.ExchangeAppAuthCode(ctx, newCode(s1))
	if err != nil {
		t.Fatal(err)
	}

	// One token a page.
	var page []map[string]any
	resp := getJSONPage(t, s1.URL()+"/_mock/app-auth-tokens?limit=1", &page)
	next := resp.Header.Get("X-Next-Cursor")
	if len(page) != 1 || next == "" || resp.Header.Get("Link") == "" {
		t.Fatalf("first page: %d tokens, X-Next-Cursor %q, Link %q", len(page), next, resp.Header.Get("Link"))
	}
	var rest []map[string]any
	resp = getJSONPage(t, s1.URL()+"/_mock/app-auth-tokens?limit=1&cursor="+next, &rest)
	if len(rest) != 1 || rest[0]["app_auth_token"] != second.AppAuthToken || resp.Header.Get("X-Next-Cursor") != "" {
		t.Fatalf("second page: %+v, X-Next-Cursor %q", rest, resp.Header.Get("X-Next-Cursor"))
	}

	for i := 0; i < 3; i++ {
		newCode(s1)
	}
	if codes, _ := kept(s1); codes != 4 {
		t.Errorf("%d codes kept, want 4", codes)
	}
	advance(s1, "24h")
	last := newCode(s1)
	if codes, tokens := kept(s1); codes != 1 || tokens != 2 {
		t.Errorf("%d codes and %d tokens kept after a day, want 1 (the new one) and 2 (both in use)", codes, tokens)
	}

	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	// What was dropped is gone from the file too.
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	codes, tokens, err := db.AppAuth()
	if err := errors.Join(err, db.Close()); err != nil {
		t.Fatal(err)
	}
	if len(codes) != 1 || len(tokens) != 2 {
		t.Errorf("the file keeps %d codes and %d tokens, want 1 and 2", len(codes), len(tokens))
	}

	// Started again, the clock where it was: the code still works.
	s2, isv2 := startWithData(t, dir, epoch)
	if codes, tokens := kept(s2); codes != 1 || tokens != 2 {
		t.Errorf("after a restart: %d codes, %d tokens kept, want 1 and 2", codes, tokens)
	}
	if _, err := isv2.ExchangeAppAuthCode(ctx, last); err != nil {
		t.Errorf("the kept code after a restart: %v", err)
	}
}

func getJSONPage(t *testing.T, url string, v any) *http.Response {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return resp
}

// Tokens nothing can use any more go wherever they stand, on the mock's
// clock, from memory and from --data's file: an older token still in use
// (another merchant's) held the dead ones behind it until a restart.
func TestDeadAppAuthTokensGoBehindALiveOne(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, isv := startWithData(t, dir, epoch)
	tokens := func() int {
		t.Helper()
		var m struct {
			Tokens struct{ Count int } `json:"app_auth_tokens"`
		}
		getJSON(t, s.URL()+"/_mock/memory", &m)
		return m.Tokens.Count
	}
	exchange := func() *client.AuthTokenResponse {
		t.Helper()
		var code struct {
			Code string `json:"app_auth_code"`
		}
		postJSON(t, s.URL()+"/_mock/app-auth-codes", `{"app_id":"`+keys.DevAppID+`"}`, http.StatusCreated, &code)
		tok, err := isv.ExchangeAppAuthCode(ctx, code.Code)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	acts := func(tok string) error {
		_, err := isv.Query(ctx, client.QueryRequest{OutTradeNo: "NONE"}, client.WithAppAuthToken(tok))
		var e *client.Error
		if errors.As(err, &e) && e.SubCode == "ACQ.TRADE_NOT_EXIST" {
			return nil // the token was taken: it acted for its merchant
		}
		return err
	}
	advance := func(by string) {
		postJSON(t, s.URL()+"/_mock/clock/advance", `{"by":"`+by+`"}`, http.StatusOK, nil)
	}

	keeper := exchange() // the oldest, still in use
	tok := exchange()
	for i := 0; i < 30; i++ {
		next, err := isv.RefreshAppAuthToken(ctx, tok.AppRefreshToken)
		if err != nil {
			t.Fatalf("refresh %d: %v", i, err)
		}
		tok = next
	}
	if n := tokens(); n != 32 {
		t.Fatalf("%d tokens kept within the grace, want 32", n)
	}
	advance("10m")
	for _, s := range []string{keeper.AppAuthToken, tok.AppAuthToken} {
		if err := acts(s); err != nil {
			t.Fatalf("a live token: %v", err)
		}
	}

	// Past its refresh token's term a refreshed token still answers that
	// it timed out, for appauth.ExpiredKept; then it goes. The tokens in
	// use stay: they do not expire.
	advance(strconv.Itoa(int((appauth.RefreshLifetime + time.Hour).Hours())) + "h")
	_, err := isv.RefreshAppAuthToken(ctx, keeper.AppRefreshToken)
	wantAPIError(t, err, "40004", "REFRESH_TOKEN_TIME_OUT")
	advance(strconv.Itoa(int(appauth.ExpiredKept.Hours())) + "h")
	if n := tokens(); n != 2 {
		t.Fatalf("%d tokens kept past every refresh term, want 2 (the oldest and the last)", n)
	}
	for _, s := range []string{keeper.AppAuthToken, tok.AppAuthToken} {
		if err := acts(s); err != nil {
			t.Fatalf("a token in use past its refresh term: %v", err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, stored, err := db.AppAuth()
	if err := errors.Join(err, db.Close()); err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2 {
		t.Errorf("the file keeps %d tokens, want 2", len(stored))
	}
}
