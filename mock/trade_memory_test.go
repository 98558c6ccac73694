package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// TestCloseRefusesAnOverLongOperatorID: alipay.trade.close keeps
// operator_id in the trade's history, so it is bounded as an order's is
// (28 characters, docs/limits.md): longer is ACQ.INVALID_PARAMETER naming
// the field, as the order methods answer, and nothing is kept.
func TestCloseRefusesAnOverLongOperatorID(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := h.m()
	expect(t, h.call("alipay.trade.create", `{"out_trade_no":"RVA-C1","total_amount":"5.00","subject":"s","buyer_id":"2088000000000001"}`), "code", "10000")
	long := strings.Repeat("x", 100_000)
	expect(t, h.call("alipay.trade.close", `{"out_trade_no":"RVA-C1","operator_id":"`+long+`"}`),
		"code", "40004", "sub_code", "ACQ.INVALID_PARAMETER", "sub_msg", "参数无效：operator_id长度不能超过28")
	body := m.Control("GET", "/trades/RVA-C1", nil, http.StatusOK)
	if len(body) > 16<<10 {
		t.Errorf("the trade keeps %d bytes after one close: operator_id is kept whole in its history", len(body))
	}
	expect(t, h.call("alipay.trade.close", `{"out_trade_no":"RVA-C1","operator_id":"`+strings.Repeat("收", 28)+`"}`), "code", "10000")
}
