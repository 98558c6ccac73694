package mock_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/store"
)

// App authorisations are bounded: a refresh token is spent once used, so
// a chain of refreshes keeps the live token and the one in its ten
// minutes' grace, not one per refresh; expired codes, used or not, go when
// the next code is made; what goes is deleted from --data's file too; the
// list is paged.
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
		_, err = isv.RefreshAppAuthToken(ctx, tok.AppRefreshToken)
		wantAPIError(t, err, "40004", "REFRESH_TOKEN_NOT_VALID")
		tok = next
	}
	if _, tokens := kept(s1); tokens != 2 {
		t.Errorf("%d tokens kept after 20 refreshes, want 2 (the live one and the one in its grace)", tokens)
	}

	for i := 0; i < 3; i++ {
		newCode(s1)
	}
	if codes, _ := kept(s1); codes != 4 {
		t.Errorf("%d codes kept, want 4", codes)
	}
	advance(s1, "24h")
	last := newCode(s1)
	if codes, _ := kept(s1); codes != 1 {
		t.Errorf("%d codes kept after a day, want 1 (the new one)", codes)
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
	if len(rest) != 1 || rest[0]["app_auth_token"] != tok.AppAuthToken || resp.Header.Get("X-Next-Cursor") != "" {
		t.Fatalf("second page: %+v, X-Next-Cursor %q", rest, resp.Header.Get("X-Next-Cursor"))
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

	// Started again, the clock where it was: the token refreshed a day
	// ago is past its grace and goes; the code still works.
	s2, isv2 := startWithData(t, dir, epoch)
	if codes, tokens := kept(s2); codes != 1 || tokens != 1 {
		t.Errorf("after a restart: %d codes, %d tokens kept, want 1 and 1", codes, tokens)
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
