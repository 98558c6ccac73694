package mock_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// absent fails when node carries any of fields.
func absent(t *testing.T, node map[string]any, fields ...string) {
	t.Helper()
	for _, f := range fields {
		if v, ok := node[f]; ok {
			t.Errorf("%s = %v, want it absent (node %v)", f, v, node)
		}
	}
}

// present fails when node lacks any of fields.
func present(t *testing.T, node map[string]any, fields ...string) {
	t.Helper()
	for _, f := range fields {
		if _, ok := node[f]; !ok {
			t.Errorf("%s absent, want it (node %v)", f, node)
		}
	}
}

// TestQueryOptionsGateOptionalFields: the fields the SDK's response
// classes return "only when query_options names them" appear only then,
// and the fields returned for bank-intermediated trades only never do.
func TestQueryOptionsGateOptionalFields(t *testing.T) {
	h := newHarness(t, mock.Options{})
	const barcode = `"scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"咖啡","body":"一杯"`

	t.Run("pay", func(t *testing.T) {
		p := h.call("alipay.trade.pay", `{"out_trade_no":"QO1",`+barcode+`}`)
		expect(t, p, "code", "10000")
		absent(t, p, "fund_bill_list")
		p = h.call("alipay.trade.pay", `{"out_trade_no":"QO2",`+barcode+`,"query_options":["fund_bill_list"]}`)
		present(t, p, "fund_bill_list")
	})

	t.Run("query", func(t *testing.T) {
		q := h.call("alipay.trade.query", `{"out_trade_no":"QO1"}`)
		expect(t, q, "code", "10000", "trade_status", "TRADE_SUCCESS")
		absent(t, q, "fund_bill_list", "voucher_detail_list", "trade_settle_info", "subject", "body")
		q = h.call("alipay.trade.query", `{"out_trade_no":"QO1","query_options":["fund_bill_list"]}`)
		present(t, q, "fund_bill_list")
		absent(t, q, "subject", "body")
		// An unscanned-then-scanned QR trade: still no subject.
		h.call("alipay.trade.precreate", `{"out_trade_no":"QO3","total_amount":"1.00","subject":"奶茶","body":"一杯"}`)
		h.control("POST", "/trades/QO3/scan", "", http.StatusOK)
		absent(t, h.call("alipay.trade.query", `{"out_trade_no":"QO3"}`), "subject", "body", "fund_bill_list")
	})

	t.Run("refund", func(t *testing.T) {
		r := h.call("alipay.trade.refund", `{"out_trade_no":"QO1","refund_amount":"1.00","out_request_no":"R1"}`)
		expect(t, r, "code", "10000", "refund_fee", "1.00", "send_back_fee", "0.00")
		absent(t, r, "refund_detail_item_list", "has_deposit_back")
		r = h.call("alipay.trade.refund", `{"out_trade_no":"QO1","refund_amount":"2.00","out_request_no":"R2","query_options":["refund_detail_item_list","deposit_back_info"]}`)
		expect(t, r, "send_back_fee", "2.00", "has_deposit_back", "N")
		present(t, r, "refund_detail_item_list")
	})

	t.Run("refund query", func(t *testing.T) {
		q := h.call("alipay.trade.fastpay.refund.query", `{"out_trade_no":"QO1","out_request_no":"R1"}`)
		expect(t, q, "code", "10000", "refund_status", "REFUND_SUCCESS", "refund_amount", "1.00")
		absent(t, q, "send_back_fee", "gmt_refund_pay", "refund_detail_item_list", "deposit_back_info")
		q = h.call("alipay.trade.fastpay.refund.query", `{"out_trade_no":"QO1","out_request_no":"R1","query_options":["gmt_refund_pay"]}`)
		present(t, q, "gmt_refund_pay")
		absent(t, q, "send_back_fee", "refund_detail_item_list")
		q = h.call("alipay.trade.fastpay.refund.query", `{"out_trade_no":"QO1","out_request_no":"R1","query_options":["refund_detail_item_list"]}`)
		expect(t, q, "send_back_fee", "1.00")
		present(t, q, "refund_detail_item_list")
		absent(t, q, "gmt_refund_pay")
	})

	t.Run("cancel", func(t *testing.T) {
		c := h.call("alipay.trade.cancel", `{"out_trade_no":"QO2"}`)
		expect(t, c, "code", "10000", "action", "refund")
		absent(t, c, "gmt_refund_pay")
	})
}
