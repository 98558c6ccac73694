package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// Red packets over raw HTTP: the exact bytes of the answers, and the
// X-Alipay-Mock header, which the bundled client cannot set.

// rpDo posts a signed request with an optional X-Alipay-Mock header and
// returns the raw body.
func (h *harness) rpDo(method, biz, header string) []byte {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.http.URL+"/gateway.do", strings.NewReader(form(h.params(method, biz, nil)).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if header != "" {
		req.Header.Set("X-Alipay-Mock", header)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.read(resp)
}

func TestRedPacketWire(t *testing.T) {
	h := newHarness(t, mock.Options{}).certApp()
	const pay = "alipay.fund.coupon.order.agreement.pay"
	m := h.call(pay, `{"out_order_no":"W1","out_request_no":"W1-pay","order_title":"红包","amount":"10.00","payer_user_id":"2088102000000001"}`)
	expect(t, m, "code", "10000", "msg", "Success", "out_order_no", "W1", "out_request_no", "W1-pay", "amount", "10.00",
		"status", "SUCCESS", "gmt_trans", "2026-11-23 10:00:00")
	authNo, _ := m["auth_no"].(string)
	if len(authNo) != 28 || !strings.HasPrefix(authNo, "20261123") {
		t.Errorf("auth_no %q", authNo)
	}

	// A 40004 node: code, msg, sub_code, sub_msg first, then
	// display_message; signed like every answer of a known app.
	const disburse = "alipay.fund.coupon.order.disburse"
	body := h.rpDo(disburse, `{"out_order_no":"W1-C1","out_request_no":"1","deduct_auth_no":"`+authNo+`","amount":"10.01","payee_user_id":"2088102000000101"}`, "")
	want := `{"alipay_fund_coupon_order_disburse_response":{"code":"40004","msg":"Business Failed","sub_code":"REST_AMOUNT_NOT_ENOUGH","sub_msg":"红包剩余金额不足","display_message":"红包已被领完"},"alipay_cert_sn":"` + keys.DevAlipayCertSN() + `","sign":"`
	if !strings.HasPrefix(string(body), want) {
		t.Errorf("40004 body:\n%s\nwant prefix\n%s", body, want)
	}
	h.verify(disburse, body, true)

	// X-Alipay-Mock: a claim executed but answered 20000, then retried.
	claim := `{"out_order_no":"W1-C2","out_request_no":"1","deduct_auth_no":"` + authNo + `","amount":"4.00","payee_user_id":"2088102000000101"}`
	expect(t, h.verify(disburse, h.rpDo(disburse, claim, "code=20000&execute=true"), true), "code", "20000", "sub_code", "isp.unknow-error")
	first := h.call(disburse, claim)
	again := h.call(disburse, claim)
	expect(t, first, "code", "10000", "status", "SUCCESS", "amount", "4.00")
	if first["operation_id"] != again["operation_id"] || first["auth_no"] != again["auth_no"] {
		t.Errorf("retries answered different operations: %v / %v", first, again)
	}
	p := h.control("GET", "/red-packets/"+authNo, "", http.StatusOK)
	if p["rest_amount"] != "6.00" || p["status"] != "AUTHORIZED" {
		t.Errorf("packet after one claim of 4.00: rest %v status %v", p["rest_amount"], p["status"])
	}

	// X-Alipay-Mock: a refund left processing, answered 10003 with its
	// fields, settled by the query.
	const refund = "alipay.fund.coupon.order.refund"
	r := h.verify(refund, h.rpDo(refund, `{"auth_no":"`+authNo+`","out_request_no":"R1","amount":"6.00"}`, "code=10003&execute=true"), true)
	expect(t, r, "code", "10003", "status", "INIT", "amount", "6.00", "auth_no", authNo, "out_request_no", "R1")
	if _, ok := r["sub_code"]; ok {
		t.Errorf("10003 with a sub_code: %v", r)
	}
	q := h.call("alipay.fund.coupon.operation.query", `{"auth_no":"`+authNo+`","operation_id":"`+r["operation_id"].(string)+`"}`)
	expect(t, q, "code", "10000", "status", "SUCCESS", "operation_type", "REFUND", "amount", "6.00", "total_pay_refund_amount", "6.00")
	if p := h.control("GET", "/red-packets/"+authNo, "", http.StatusOK); p["status"] != "FINISH" || p["rest_amount"] != "0.00" {
		t.Errorf("packet after refunding the rest: %v %v", p["status"], p["rest_amount"])
	}
}
