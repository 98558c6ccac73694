package redact_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/limits"
	"github.com/alipay-mock/alipay-mock/mock/redact"
)

func TestText(t *testing.T) {
	const m = redact.Mark
	tests := []struct{ in, want string }{
		{"/qr/bax0abcdefghijklmnopqrstuvwxyz", "/qr/" + m},
		{"/cashier/abcdefghijklmnopqrstuvwxyz", "/cashier/" + m},
		{"/cashier/coupon/abcdefghijklmnopqrstuvwxyz", "/cashier/coupon/" + m},
		{"http://127.0.0.1:8080/cashier/abc?x=1", "http://127.0.0.1:8080/cashier/" + m + "?x=1"},
		{"https://qr.alipay.com/bax0abc", "https://qr.alipay.com/" + m},
		{"/_mock/trades/2026112322000000000001", "/_mock/trades/2026112322000000000001"},
		{"app_auth_token=201BB1&app_id=2021&biz_content={}", "app_auth_token=" + m + "&app_id=2021&biz_content={}"},
		{"app_id=1&auth_token=kuaijie&method=alipay.user.info.share", "app_id=1&auth_token=" + m + "&method=alipay.user.info.share"},
		{"grant_type=authorization_code&code=4b203fe6c11548bcabd8da5bb087a83b", "grant_type=authorization_code&code=" + m},
		{"sub_code=ACQ.TRADE_NOT_EXIST&out_code=1", "sub_code=ACQ.TRADE_NOT_EXIST&out_code=1"},
		{"/_mock/ui?token=s3cret", "/_mock/ui?token=" + m},
		{`{"grant_type":"refresh_token","refresh_token":"abc\"def","x":1}`, `{"grant_type":"refresh_token","refresh_token":"` + m + `","x":1}`},
		{`{"code" : "abc"}`, `{"code" : "` + m + `"}`},
		{`{"out_trade_no":"T1","total_amount":"1.00"}`, `{"out_trade_no":"T1","total_amount":"1.00"}`},
		{"alipay.system.oauth.token", "alipay.system.oauth.token"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := redact.Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A secret the log's cut splits (before its closing quote) is still
// redacted (the note of the cut goes with it).
func TestTextAfterCut(t *testing.T) {
	in := `{"app_auth_token":"` + "201BB0123456789" + `"}`
	got := redact.Text(limits.Cut(in, 25))
	if want := `{"app_auth_token":"` + redact.Mark + `"`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSecret(t *testing.T) {
	if redact.Secret("") != "" || redact.Secret("x") != redact.Mark {
		t.Error("Secret")
	}
}
