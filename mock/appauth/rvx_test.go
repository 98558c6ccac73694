package appauth_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/appauth"
)

// rvx: another app's flood past the token bound sheds the victim's token
// that was just refreshed, though production promises it works 10 minutes
// more ("保证老的app_auth_token从刷新开始10分钟内可继续使用") and the docs say a
// flood "evicts its own entries, never another app's"; the victim's retry of
// a refresh whose answer was lost (its used refresh token works until its
// term) then answers REFRESH_TOKEN_NOT_EXIST. The clock does not move.
func TestRvxFloodShedsAnotherAppsTokenInItsGrace(t *testing.T) {
	b := fairBook()
	code, err := b.Authorise(victim, b.NewMerchant())
	if err != nil {
		t.Fatal(err)
	}
	old, err := b.Exchange(victim, code.Code)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Refresh(victim, old.RefreshToken); err != nil {
		t.Fatal(err)
	}
	for range appauth.MaxTokens {
		c, err := b.Authorise(flooder, b.NewMerchant())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Exchange(flooder, c.Code); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Resolve(victim, old.AppAuthToken); err != nil {
		t.Errorf("the other app's refreshed token, within its 10-minute grace, after the flood: %v", err)
	}
	if _, err := b.Refresh(victim, old.RefreshToken); err != nil {
		t.Errorf("the other app's retried refresh after the flood: %v", err)
	}
}
