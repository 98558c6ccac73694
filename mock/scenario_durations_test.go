package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// Every duration of a scenario that plans a job on the mock's clock is
// from 0 to 720h, as then.transfer.after is: a negative notify.delay would
// date a notification before the payment it reports, and one past the
// bound plans a job the clock may never reach. The control API refuses
// such a file with a problem at the line of the duration.
func TestScenarioPlannedDurationsAreBounded(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	for _, then := range []string{"{notify: {delay: -8760h}}", "{notify: {delay: 2000000h}}",
		"{buyer: {pay_after: 2000000h}}", "{buyer: {scan_after: -1s}}", "{buyer: {fail_after: 721h}}", "{buyer: {close_after: 721h}}"} {
		body := "name: late\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: " + then + "\n"
		got := string(m.Control(http.MethodPost, "/scenarios", body, http.StatusBadRequest))
		if !strings.Contains(got, `"line":4`) || !strings.Contains(got, "from 0 to 720h") {
			t.Errorf("then: %s: problem %s", then, got)
		}
	}
	ok := "name: in-bounds\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {notify: {delay: 720h}, buyer: {scan_after: 0s, pay_after: 720h}}\n"
	m.Control(http.MethodPost, "/scenarios", ok, http.StatusCreated)
}
