package mock_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// A required amount sent as 0 is out of range, with the error production
// gives an amount out of range; one left out (absent, null or "") is
// missing.
func TestZeroAmountIsOutOfRangeNotMissing(t *testing.T) {
	h := newHarness(t, mock.Options{}).certApp()
	h.call("alipay.trade.pay", `{"out_trade_no":"Z-PAID","total_amount":"10.00","subject":"s","scene":"bar_code","auth_code":"281234567890123456"}`)
	type want struct{ sub, msg string }
	tests := []struct {
		method, biz   string // biz has %s where the amount field goes, with its name
		field         string
		sent, missing want
	}{
		{"alipay.trade.precreate", `{"out_trade_no":"Z1","subject":"s"%s}`, "total_amount",
			want{"ACQ.TOTAL_FEE_EXCEED", "订单总金额超过限额"}, want{"ACQ.INVALID_PARAMETER", "total_amount不能为空"}},
		{"alipay.trade.create", `{"out_trade_no":"Z2","subject":"s","buyer_id":"2088102146225135"%s}`, "total_amount",
			want{"ACQ.TOTAL_FEE_EXCEED", "订单总金额超过限额"}, want{"ACQ.INVALID_PARAMETER", "total_amount不能为空"}},
		{"alipay.trade.pay", `{"out_trade_no":"Z3","subject":"s","scene":"bar_code","auth_code":"281234567890123456"%s}`, "total_amount",
			want{"ACQ.TOTAL_FEE_EXCEED", "订单总金额超过限额"}, want{"ACQ.INVALID_PARAMETER", "total_amount不能为空"}},
		{"alipay.trade.refund", `{"out_trade_no":"Z-PAID","out_request_no":"R1"%s}`, "refund_amount",
			want{"ACQ.INVALID_PARAMETER", "refund_amount取值范围[0.01,100000000]"}, want{"ACQ.INVALID_PARAMETER", "refund_amount不能为空"}},
		{"alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"ZC1","out_request_no":"ZC1","order_title":"t","payer_user_id":"2088102146225135"%s}`, "amount",
			want{"INVALID_PARAMETER", "amount取值范围[0.01,100000000.00]"}, want{"INVALID_PARAMETER", "amount不能为空"}},
		{"alipay.fund.coupon.order.disburse", `{"out_order_no":"ZC2","out_request_no":"ZC2","deduct_auth_no":"2026112310002001000000000001","payee_user_id":"2088102146225135"%s}`, "amount",
			want{"INVALID_PARAMETER", "amount取值范围[0.01,100000000.00]"}, want{"INVALID_PARAMETER", "amount不能为空"}},
		{"alipay.fund.coupon.order.refund", `{"auth_no":"2026112310002001000000000001","out_request_no":"ZC3"%s}`, "amount",
			want{"INVALID_PARAMETER", "amount取值范围[0.01,100000000.00]"}, want{"INVALID_PARAMETER", "amount不能为空"}},
	}
	for _, tt := range tests {
		for _, v := range []string{`0`, `"0"`, `"0.00"`, `"0.0"`, `0.00`, ``, `""`, `null`} {
			t.Run(tt.method+"/"+v, func(t *testing.T) {
				ins := ""
				if v != "" {
					ins = fmt.Sprintf(`,"%s":%s`, tt.field, v)
				}
				w := tt.sent
				if v == "" || v == `""` || v == "null" {
					w = tt.missing
				}
				m := h.call(tt.method, fmt.Sprintf(tt.biz, ins))
				if m["code"] != "40004" || m["sub_code"] != w.sub || !strings.Contains(fmt.Sprint(m["sub_msg"]), w.msg) {
					t.Errorf("%s = %v: got %v %v %q, want 40004 %s containing %q", tt.field, v, m["code"], m["sub_code"], m["sub_msg"], w.sub, w.msg)
				}
			})
		}
	}
}

// The same on a page method's error page.
func TestZeroAmountOtherSurfaces(t *testing.T) {
	h := newHarness(t, mock.Options{})
	p := h.params("alipay.trade.page.pay", `{"out_trade_no":"ZP1","subject":"s","product_code":"FAST_INSTANT_TRADE_PAY","total_amount":0}`, nil)
	resp, body := h.fetch("POST", h.http.URL+"/gateway.do", "application/x-www-form-urlencoded", form(p).Encode())
	if resp.StatusCode != http.StatusOK || !regexp.MustCompile(`错误代码 ACQ.TOTAL_FEE_EXCEED`).Match(body) {
		t.Errorf("page pay with total_amount 0: HTTP %d %s", resp.StatusCode, body)
	}
	p = h.params("alipay.trade.page.pay", `{"out_trade_no":"ZP2","subject":"s","product_code":"FAST_INSTANT_TRADE_PAY"}`, nil)
	_, body = h.fetch("POST", h.http.URL+"/gateway.do", "application/x-www-form-urlencoded", form(p).Encode())
	if !strings.Contains(string(body), "total_amount不能为空") {
		t.Errorf("page pay without total_amount: %s", body)
	}
}

func TestZeroAmountV3(t *testing.T) {
	e := newV3Env(t)
	for _, tc := range []struct{ body, code string }{
		{`{"out_trade_no":"ZV1","subject":"s","total_amount":0}`, "ACQ.TOTAL_FEE_EXCEED"},
		{`{"out_trade_no":"ZV2","subject":"s","total_amount":"0.00"}`, "ACQ.TOTAL_FEE_EXCEED"},
		{`{"out_trade_no":"ZV3","subject":"s"}`, "ACQ.INVALID_PARAMETER"},
	} {
		r := e.do(v3Req{uri: "/v3/alipay/trade/precreate", body: tc.body})
		var got struct{ Code, Message string }
		if err := json.Unmarshal(r.body, &got); err != nil || got.Code != tc.code {
			t.Errorf("%s: HTTP %d %s, want code %s", tc.body, r.status, r.body, tc.code)
		}
	}
}
