package mock_test

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// Production's app_auth_code and app_auth_token end in a capital letter and
// two digits: app_auth_code 603d0219f1884fc4b66093900e6b8X89 and
// app_auth_token 201904BBf9c9781043854fe58c25b4b378350A89 / app_refresh_token
// 201904BBa095c4366ba74acba2dd971244632F89 in Alipay's 第三方应用授权 guide
// (https://developer.aliyun.com/article/711119), app_auth_code
// 8392555f97624202a3ff6b4ef3c4SX80 from a real callback
// (https://github.com/fzlee/alipay/issues/87). The tokens' month is Beijing
// time's: at 2026-11-30 16:00 UTC it is already December there.
func TestAppAuthShapes(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC))
	m := mocktest.New(t, mock.Options{Clock: clk})
	var ac struct {
		Code string `json:"app_auth_code"`
	}
	m.ControlJSON(http.MethodPost, "/app-auth-codes", `{"app_id":"`+keys.DevAppID+`"}`, http.StatusCreated, &ac)
	tok := m.Call("alipay.open.auth.token.app", `{"grant_type":"authorization_code","code":"`+ac.Code+`"}`)
	code := regexp.MustCompile(`^[0-9a-f]{28,29}[A-Z]{1,2}[0-9]{2}$`)
	token := regexp.MustCompile(`^202612BB[0-9a-f]{29}[A-Z][0-9]{2}$`)
	if !code.MatchString(ac.Code) || len(ac.Code) != 32 {
		t.Errorf("app_auth_code %s is not production's shape", ac.Code)
	}
	for _, k := range []string{"app_auth_token", "app_refresh_token"} {
		if s, _ := tok[k].(string); !token.MatchString(s) {
			t.Errorf("%s %s is not production's shape (month of Beijing time 202612)", k, s)
		}
	}
}
