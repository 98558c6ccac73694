package mock_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// gatewayNodes are the top-level keys of a gateway answer.
func gatewayNodes(t *testing.T, body []byte) map[string]json.RawMessage {
	t.Helper()
	var out map[string]json.RawMessage
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("%v in %s", err, body)
	}
	return out
}

// devUserCode is an auth_code of the dev app, as if a user had consented.
func devUserCode(t *testing.T, m *mocktest.Mock) string {
	t.Helper()
	var code struct {
		Code string `json:"auth_code"`
	}
	m.ControlJSON(http.MethodPost, "/user-auth-codes", `{"app_id":"`+keys.DevAppID+`"}`, http.StatusCreated, &code)
	return code.Code
}

// Production answers every error of alipay.system.oauth.token in
// error_response, the gateway's own checks too: a bad signature comes back as
// {"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-signature",...},"sign":...}
// (a captured answer: https://github.com/anerg2046/sns_auth/issues/39).
// Clients that read error_response for this method (the Node SDK,
// sns_auth) find nothing in the method's node.
func TestOAuthTokenGatewayErrorsInErrorResponse(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	for name, edit := range map[string]func(map[string]string){
		"bad signature":      func(p map[string]string) { p["sign"] = "AAAA" },
		"bad timestamp":      func(p map[string]string) { p["timestamp"] = "2000-01-01 00:00:00" },
		"bad app_auth_token": func(p map[string]string) { p["app_auth_token"] = "202611BBnope" },
	} {
		b := m.Post(m.Params("alipay.system.oauth.token", "", func(p map[string]string) {
			p["grant_type"] = "authorization_code"
			p["code"] = "fe7040fa215bde8be960d7119b8dYX63"
			edit(p)
		}))
		nodes := gatewayNodes(t, b)
		if _, ok := nodes["error_response"]; !ok {
			t.Errorf("%s: answered %s, want the error in error_response", name, b)
		}
	}
}

// alipay.system.oauth.token takes grant_type, code and refresh_token as
// request parameters only; production does not read them from biz_content. A
// captured production answer to a request that carried them only in
// biz_content (yansongda/pay#527, https://github.com/yansongda/pay/issues/527):
// {"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.isv.grant-type-invalid","sub_msg":"grant_type参数不正确"},...}
// (the Node SDK's maintainer: "alipay.system.oauth.token 比较特殊 ... 未放到
// bizContent 当中", alipay/alipay-sdk-nodejs-all#103).
func TestOAuthTokenIgnoresBizContent(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	code := devUserCode(t, m)
	b := m.Post(m.Params("alipay.system.oauth.token", `{"grant_type":"authorization_code","code":"`+code+`"}`, nil))
	nodes := gatewayNodes(t, b)
	if _, ok := nodes["error_response"]; !ok {
		t.Fatalf("grant_type and code in biz_content only: %s, want production's grant-type error", b)
	}
}

// Production's sub_code for a grant_type it does not take is spelt with the
// prefix twice, "isv.isv.grant-type-invalid" (sub_msg grant_type参数不正确): the
// captured answer in yansongda/pay#527 and, independently, a Go SDK's comment
// quoting one.
func TestOAuthTokenGrantTypeSubCode(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	b := m.Post(m.Params("alipay.system.oauth.token", "", func(p map[string]string) {
		p["grant_type"], p["code"] = "password", devUserCode(t, m)
	}))
	var out struct {
		Err struct {
			Code    string `json:"code"`
			SubCode string `json:"sub_code"`
			SubMsg  string `json:"sub_msg"`
		} `json:"error_response"`
	}
	_ = json.Unmarshal(b, &out)
	if out.Err.Code != "40002" || out.Err.SubCode != "isv.isv.grant-type-invalid" || out.Err.SubMsg != "grant_type参数不正确" {
		t.Errorf("bad grant_type: %s, want 40002 isv.isv.grant-type-invalid grant_type参数不正确", b)
	}
}

// alipay.user.info.share takes the access token in the auth_token request
// parameter (the Java SDK's AlipayUserInfoShareRequest has no biz_content;
// execute(request, accessToken) sends it beside method and app_id), so an
// auth_token in biz_content only is no token.
func TestUserInfoShareIgnoresBizContent(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	code := devUserCode(t, m)
	tok := m.Verify("alipay.system.oauth.token", m.Post(m.Params("alipay.system.oauth.token", "", func(p map[string]string) {
		p["grant_type"], p["code"] = "authorization_code", code
	})), true)
	access, _ := tok["access_token"].(string)
	if access == "" {
		t.Fatalf("exchange: %v", tok)
	}
	out := m.Call("alipay.user.info.share", `{"auth_token":"`+access+`"}`)
	if out["code"] != "20001" || out["sub_code"] != "aop.invalid-auth-token" {
		t.Errorf("auth_token in biz_content only: %v, want 20001 aop.invalid-auth-token", out)
	}
	out = m.Verify("alipay.user.info.share", m.Post(m.Params("alipay.user.info.share", "", func(p map[string]string) {
		p["auth_token"] = access
	})), true)
	if out["code"] != "10000" {
		t.Errorf("auth_token as a request parameter: %v", out)
	}
}

// v3 names a gateway error by v1's sub_code without its isv./aop./isp.
// prefixes (docs/v3.md). v1's bad grant_type is isv.isv.grant-type-invalid,
// prefix doubled; stripping one prefix left v3 answering
// isv.grant-type-invalid, the only v3 gateway code with a prefix.
func TestOAuthTokenV3GrantTypeCodeHasNoPrefix(t *testing.T) {
	e := newV3Env(t)
	r := e.do(v3Req{uri: "/v3/alipay/system/oauth/token", body: `{"grant_type":"password","code":"x"}`})
	var out struct{ Code string }
	_ = json.Unmarshal(r.body, &out)
	if r.status != 400 || out.Code != "grant-type-invalid" {
		t.Errorf("v3 oauth token, grant_type password: HTTP %d %s; want 400 with a code without the isv. prefix (grant-type-invalid, as before)", r.status, r.body)
	}
}
