package mock

// Sign-in tokens the data directory failed to keep.

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// An access token the store failed to write is not issued: the exchange
// answers 20000 and its code stays spent (a code is spent by any attempt),
// and a refresh answers 20000 and leaves the old pair in force, so the
// user's retry can still work. The data file is closed under the running
// mock, as a failing disk would leave it.
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
	kept := s.Users.Grant(cfg.AppID, userauth.ScopeUser, user)
	lost := s.Users.Grant(cfg.AppID, userauth.ScopeUser, user)
	pair, err := c.OAuthToken(ctx, kept.Code)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
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
