package mock_test

import (
	"net/http"
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

// TestScenarioPrecreateBuyerPastTheQRLifeLoads: a precreate's QR code
// dies 2 hours after the precreate (trade.QRLife), yet a trade scanned
// meanwhile by someone else (the QR page, POST /_mock/trades/{no}/scan)
// stays payable, so a precreate rule whose buyer first comes past 2h loads
// and pays such a trade. A trade nobody scanned in time it never reaches
// (docs/scenarios.md).
func TestScenarioPrecreateBuyerPastTheQRLifeLoads(t *testing.T) {
	m := mocktest.New(t, mock.Options{NoMagicAmounts: true})
	file := "name: late\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: {pay_after: 150m}}\n"
	if got := postScenario(t, m, "", file); got != http.StatusCreated {
		t.Fatalf("load: HTTP %d", got)
	}
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"SQL-1","total_amount":"5.00","subject":"s","timeout_express":"1d"}`), "code", "10000")
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"SQL-2","total_amount":"5.00","subject":"s","timeout_express":"1d"}`), "code", "10000")
	m.Advance("1m")
	m.Control("POST", "/trades/SQL-1/scan", map[string]string{}, http.StatusOK)
	m.Advance("3h")
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"SQL-1"}`), "trade_status", "TRADE_SUCCESS")
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"SQL-2"}`), "sub_code", "ACQ.TRADE_NOT_EXIST")
}
