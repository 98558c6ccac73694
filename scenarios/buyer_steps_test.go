package scenarios_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// docs/scenarios.md refuses a buyer whose steps cannot all happen: "nor
// does a fail_after at or after pay_after (the trade is paid by then:
// that failure would never happen) …; nor does close_after beside
// pay_after (… one of the two would never happen)". The same holds for a
// failure after the buyer closed the trade, and for a scan after the
// trade was paid or closed: each step fails when its time comes
// (advance answers "buyer fail: … ACQ.TRADE_STATUS_ERROR 交易状态非法:
// TRADE_CLOSED", "buyer scan: … TRADE_SUCCESS"); the file loaded. Now it
// is refused at load, not failing later.
func TestBuyerStepAfterTheTradeEndedIsRefused(t *testing.T) {
	for _, tc := range []struct{ name, buyer string }{
		{"fail after close", "{scan_after: 0s, close_after: 10s, fail_after: 20s}"},
		{"scan after pay", "{scan_after: 30s, pay_after: 10s}"},
		{"scan after close", "{scan_after: 30s, close_after: 10s}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, mock.Options{})
			file := "name: y\nrules:\n  - name: r\n    when: {method: alipay.trade.precreate}\n    then:\n      buyer: " + tc.buyer + "\n"
			e.control("POST", "/scenarios?name=y&app_id="+keys.DevAppID, file, http.StatusBadRequest)
		})
	}
}
