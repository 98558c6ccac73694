package mock_test

import (
	"encoding/json"
	"testing"

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
