package mock_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// v3 names a gateway error by its sub_code without the isv./aop./isp.
// prefix (v3Status; docs/v3.md), so before this session a bad grant_type on
// POST /v3/alipay/system/oauth/token was code grant-type-invalid. With the
// v1 sub_code now isv.isv.grant-type-invalid, v3 strips one prefix and
// answers isv.grant-type-invalid: the very code eb17c87 says no production
// answer carries, and the only v3 gateway code with a prefix left. The
// change is in neither CHANGELOG nor docs/v3.md.
func TestRvx2V3BadGrantTypeCodeHasNoPrefix(t *testing.T) {
	e := newV3Env(t)
	r := e.do(v3Req{uri: "/v3/alipay/system/oauth/token", body: `{"grant_type":"password","code":"x"}`})
	var out struct{ Code string }
	_ = json.Unmarshal(r.body, &out)
	if r.status != 400 || strings.HasPrefix(out.Code, "isv.") {
		t.Errorf("v3 oauth token, grant_type password: HTTP %d %s; want 400 with a code without the isv. prefix (grant-type-invalid, as before)", r.status, r.body)
	}
}
