package mock_test

import (
	"context"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// With --data, sign-in's tokens and spent codes survive a restart: the
// access token still reads the profile, the refresh token still works
// once, a used code stays used and an unused one can still be exchanged.
func TestDataDirKeepsSignIn(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	s1, c1 := startWithData(t, dir, start)
	ctx := context.Background()
	used, err := s1.Users.Grant(keys.DevAppID, userauth.ScopeUser, "2088102177846870")
	if err != nil {
		t.Fatal(err)
	}
	unused, err := s1.Users.Grant(keys.DevAppID, userauth.ScopeUser, "2088102177846871")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c1.OAuthToken(ctx, used.Code)
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	s2, c2 := startWithData(t, dir, start)
	info, err := c2.UserInfoShare(ctx, tok.AccessToken)
	if err != nil || info.UserID != "2088102177846870" {
		t.Fatalf("access token after restart: %+v %v", info, err)
	}
	_, err = c2.OAuthToken(ctx, used.Code)
	wantAPIError(t, err, "40002", "isv.code-invalid")
	if got, err := c2.OAuthToken(ctx, unused.Code); err != nil || got.UserID != "2088102177846871" {
		t.Fatalf("unused code after restart: %+v %v", got, err)
	}
	fresh, err := c2.RefreshOAuthToken(ctx, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}

	// The refresh, too, was written through: the old tokens stay replaced.
	_, c3 := startWithData(t, dir, start)
	_, err = c3.RefreshOAuthToken(ctx, tok.RefreshToken)
	wantAPIError(t, err, "40002", "isv.refresh-token-invalid")
	if _, err := c3.UserInfoShare(ctx, fresh.AccessToken); err != nil {
		t.Fatalf("refreshed token after restart: %v", err)
	}
}
