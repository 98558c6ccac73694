package scenarios_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// POST /_mock/faults refuses what would queue less than was asked (a
// misspelt "time": TestFaultWithAMisspeltFieldIsRefused), and a scenario
// file refuses "times" below 0 ("times must be 0 (always) or more"). A
// queued answer's negative times is refused too; it was taken silently as
// 1 (201, "times":1): a script computing times (remaining = want - done,
// gone negative) got an answer it did not ask for on the next request.
func TestFaultWithNegativeTimesIsRefused(t *testing.T) {
	e := newEnv(t, mock.Options{})
	e.control("POST", "/faults", `{"method":"alipay.trade.close","code":"40004","times":-2}`, http.StatusBadRequest)
	if b := e.control("GET", "/faults", "", http.StatusOK); string(b) != "[]\n" && string(b) != "[]" {
		t.Errorf("queued after the refusal: %s", b)
	}
}
