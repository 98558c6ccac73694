package appauth

import (
	"errors"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/clock"
)

const isv, other = "2021000000000001", "2021000000000002"

func setup() (*Book, *clock.Sim, Merchant) {
	c := clock.NewManual(time.Date(2026, 6, 5, 10, 0, 0, 0, time.UTC))
	b := NewBook(c, fixtures.New(1))
	return b, c, b.NewMerchant()
}

func isErr(t *testing.T, err error, want *apierr.Error) {
	t.Helper()
	var e *apierr.Error
	if !errors.As(err, &e) || e.Code != want.Code || e.SubCode != want.SubCode {
		t.Fatalf("error %v, want %s %s", err, want.Code, want.SubCode)
	}
}

func TestCodeIsGoodOnceForItsAppWithinADay(t *testing.T) {
	tests := []struct {
		name  string
		app   string
		wait  time.Duration
		twice bool
		want  *apierr.Error
	}{
		{"fresh", isv, 0, false, nil},
		{"another app", other, 0, false, ErrAppIDInconsistent},
		{"used twice", isv, 0, true, ErrCodeNotValid},
		{"a day old", isv, CodeLifetime, false, ErrCodeNotValid},
		{"just inside a day", isv, CodeLifetime - time.Second, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, c, m := setup()
			code, err := b.Authorise(isv, m)
			if err != nil {
				t.Fatal(err)
			}
			c.Advance(tt.wait)
			if tt.twice {
				if _, err := b.Exchange(tt.app, code.Code); err != nil {
					t.Fatal(err)
				}
			}
			tok, err := b.Exchange(tt.app, code.Code)
			if tt.want != nil {
				isErr(t, err, tt.want)
				return
			}
			if err != nil || tok.Merchant != m || len(tok.AppAuthToken) != 40 || tok.AppAuthToken == tok.RefreshToken {
				t.Fatalf("token %+v %v", tok, err)
			}
		})
	}
	b, _, _ := setup()
	_, err := b.Exchange(isv, "nope")
	isErr(t, err, ErrCodeNotExist)
}

func TestTokensActForTheMerchantUntilTheyExpire(t *testing.T) {
	b, c, m := setup()
	code, _ := b.Authorise(isv, m)
	tok, _ := b.Exchange(isv, code.Code)
	if got, err := b.Resolve(isv, tok.AppAuthToken); err != nil || got.Merchant.AuthAppID != m.AuthAppID {
		t.Fatalf("resolve: %+v %v", got, err)
	}
	_, err := b.Resolve(other, tok.AppAuthToken)
	isErr(t, err, ErrInvalidToken)
	_, err = b.Resolve(isv, "201506BB0000")
	isErr(t, err, ErrInvalidToken)

	c.Advance(TokenLifetime - time.Hour)
	fresh, err := b.Refresh(isv, tok.RefreshToken)
	if err != nil || fresh.AppAuthToken == tok.AppAuthToken {
		t.Fatalf("refresh: %+v %v", fresh, err)
	}
	// The old token lives out its term; the new one is good for another year.
	c.Advance(time.Hour)
	_, err = b.Resolve(isv, tok.AppAuthToken)
	isErr(t, err, ErrTokenTimeOut)
	if _, err := b.Resolve(isv, fresh.AppAuthToken); err != nil {
		t.Fatal(err)
	}
	// The used refresh token works until its own term ends.
	if _, err := b.Refresh(isv, tok.RefreshToken); err != nil {
		t.Fatalf("refresh token used once more: %v", err)
	}
	c.Advance(RefreshLifetime)
	_, err = b.Refresh(isv, tok.RefreshToken)
	isErr(t, err, ErrRefreshTimeOut)
	_, err = b.Refresh(other, fresh.RefreshToken)
	isErr(t, err, ErrAppIDInconsistent)
	_, err = b.Refresh(isv, "nope")
	isErr(t, err, ErrRefreshNotExist)
	if n := len(b.Tokens(isv)); n != 3 {
		t.Errorf("%d tokens issued, want 3", n)
	}
}
