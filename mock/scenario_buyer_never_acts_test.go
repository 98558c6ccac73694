package mock_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// TestScenarioBuyerClosingBesidePayingDoesNotLoad: close_after beside
// pay_after plans a step that never happens (a close before the payment
// leaves nothing to pay; one after it finds the trade paid), so the file
// is refused as fail_after at or after pay_after is.
func TestScenarioBuyerClosingBesidePayingDoesNotLoad(t *testing.T) {
	m := mocktest.New(t, mock.Options{NoMagicAmounts: true})
	for _, b := range []string{
		"{scan_after: 0s, close_after: 1m, pay_after: 5m}",
		"{scan_after: 0s, pay_after: 1m, close_after: 5m}",
	} {
		file := "name: closes\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: " + b + "}\n"
		if code := postScenario(t, m, "", file); code != http.StatusBadRequest {
			t.Errorf("buyer %s: HTTP %d, want 400", b, code)
			m.Control(http.MethodDelete, "/scenarios", nil, http.StatusOK)
		}
	}
	// close_after alone, or beside fail_after, still loads.
	for _, b := range []string{"{scan_after: 0s, close_after: 1m}", "{scan_after: 0s, fail_after: 1m, close_after: 5m}"} {
		file := "name: closes\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: " + b + "}\n"
		if code := postScenario(t, m, "", file); code != http.StatusCreated {
			t.Errorf("buyer %s: HTTP %d, want 201", b, code)
		}
		m.Control(http.MethodDelete, "/scenarios", nil, http.StatusOK)
	}
}

// TestScenarioPrecreateBuyerPastTheQRLifeDoesNotLoad: a precreate's QR
// code dies 2 hours after the precreate (trade.QRLife), so a precreate
// rule's buyer whose first step comes at or after 2h never acts: the file
// is refused, naming the limit. Before 2h, or on a rule that also opens
// other trades, it loads.
func TestScenarioPrecreateBuyerPastTheQRLifeDoesNotLoad(t *testing.T) {
	m := mocktest.New(t, mock.Options{NoMagicAmounts: true})
	for _, b := range []string{"{pay_after: 3h}", "{scan_after: 2h, pay_after: 3h}", "{close_after: 2h}", "{scan_after: 3h}"} {
		file := "name: late\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: " + b + "}\n"
		resp, err := http.Post(m.URL+"/_mock/scenarios", "application/yaml", strings.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "2h") {
			t.Errorf("buyer %s: HTTP %d %s, want 400 naming the QR code's 2h", b, resp.StatusCode, body)
			m.Control(http.MethodDelete, "/scenarios", nil, http.StatusOK)
		}
	}
	for _, f := range []string{
		"name: early\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: {scan_after: 1h59m, pay_after: 3h}}\n",
		"name: early\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: {never: true}}\n",
		"name: both\nrules:\n  - when: {method: [alipay.trade.precreate, alipay.trade.create]}\n    then: {buyer: {pay_after: 3h}}\n",
	} {
		if code := postScenario(t, m, "", f); code != http.StatusCreated {
			t.Errorf("%s: HTTP %d, want 201", f, code)
		}
		m.Control(http.MethodDelete, "/scenarios", nil, http.StatusOK)
	}
}
