package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// docs/sign-in.md and the CHANGELOG: POST /_mock/user-auth-codes refuses
// a state the sign-in page refuses (over 256 bytes) with 400 and no code.
// Without a redirect_uri the state is not checked: 201 and a code.
func TestRvzControlUserAuthCodeRefusesALongStateWithoutRedirect(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	var e struct{ Error string }
	postJSON(t, m.URL+"/_mock/user-auth-codes", `{"app_id":"`+keys.DevAppID+`","state":"`+strings.Repeat("s", 257)+`"}`,
		http.StatusBadRequest, &e)
}
