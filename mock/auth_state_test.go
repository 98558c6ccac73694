package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// The control API's stand-ins for the authorisation pages refuse a state
// the pages refuse (over 256 bytes) with 400 and no code, whether or not
// a redirect_uri comes with it.
func TestControlAuthCodesRefuseALongStateWithoutRedirect(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	long := strings.Repeat("s", 257)
	for _, path := range []string{"/_mock/user-auth-codes", "/_mock/app-auth-codes"} {
		var e struct{ Error string }
		postJSON(t, m.URL+path, `{"app_id":"`+keys.DevAppID+`","state":"`+long+`"}`, http.StatusBadRequest, &e)
		if e.Error == "" {
			t.Errorf("%s: no error in the answer", path)
		}
	}
}
