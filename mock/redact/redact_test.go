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
		// code is a secret beside grant_type only (oauth.token, auth.token.app).
		{`{"grant_type":"authorization_code","code" : "abc"}`, `{"grant_type":"authorization_code","code" : "` + m + `"}`},
		{"app_id=2021&charset=utf-8&code=4b20&grant_type=authorization_code&method=alipay.system.oauth.token",
			"app_id=2021&charset=utf-8&code=" + m + "&grant_type=authorization_code&method=alipay.system.oauth.token"},
		{`biz_content={"grant_type":"authorization_code","code":"P5c9"}&method=alipay.open.auth.token.app`,
			`biz_content={"grant_type":"authorization_code","code":"` + m + `"}&method=alipay.open.auth.token.app`},
		// Elsewhere it is Alipay's result code or a merchant's answer.
		{`{"code":"FAIL"}`, `{"code":"FAIL"}`},
		{`{"code" : "abc"}`, `{"code" : "abc"}`},
		{`{"alipay_trade_query_response":{"code":"10000","msg":"Success"}}`, `{"alipay_trade_query_response":{"code":"10000","msg":"Success"}}`},
		{"code=10000&sub_code=ACQ.SYSTEM_ERROR", "code=10000&sub_code=ACQ.SYSTEM_ERROR"},
		{"code=20000&execute=true", "code=20000&execute=true"},
		// The trade.pay barcode and the app authorisation code, in every form.
		{`biz_content={"out_trade_no":"T1","auth_code":"28763443825664394","scene":"bar_code"}`,
			`biz_content={"out_trade_no":"T1","auth_code":"` + m + `","scene":"bar_code"}`},
		{`biz_content={"out_trade_no":"T1","auth_code":28763443825664394,"scene":"bar_code"}`,
			`biz_content={"out_trade_no":"T1","auth_code":"` + m + `","scene":"bar_code"}`},
		{"https://shop.example/cb?app_id=2021&app_auth_code=P5c9e8&source=alipay_app_auth",
			"https://shop.example/cb?app_id=2021&app_auth_code=" + m + "&source=alipay_app_auth"},
		{"/cb?auth_code=c0de&scope=auth_user", "/cb?auth_code=" + m + "&scope=auth_user"},
		{"return_url=https%3A%2F%2Fshop%2Fcb%3Fapp_auth_code%3DP5c9%26x%3D1", "return_url=https%3A%2F%2Fshop%2Fcb%3Fapp_auth_code%3D" + m + "%26x%3D1"},
		{"biz_content=%7B%22auth_code%22%3A%222876344%22%2C%22scene%22%3A%22bar_code%22%7D",
			"biz_content=%7B%22auth_code%22%3A%22" + m + "%22%2C%22scene%22%3A%22bar_code%22%7D"},
		{`{"body":"{\"auth_code\":\"2876344\",\"scene\":\"bar_code\"}"}`, `{"body":"{\"auth_code\":\"` + m + `\",\"scene\":\"bar_code\"}"}`},
		{`{"body":"{\"auth_code\":\"28\\\"76\\\\34\\n4\",\"scene\":\"bar_code\"}"}`, `{"body":"{\"auth_code\":\"` + m + `\",\"scene\":\"bar_code\"}"}`},
		{`"{\"app_auth_token\": \"201BB1\"}"`, `"{\"app_auth_token\": \"` + m + `\"}"`},
		{"%7B%22grant_type%22%3A%22authorization_code%22%2C%22code%22%3A%22P5c9%22%7D",
			"%7B%22grant_type%22%3A%22authorization_code%22%2C%22code%22%3A%22" + m + "%22%7D"},
		{`{"out_code":"x","scene_code":"y"}`, `{"out_code":"x","scene_code":"y"}`},
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
