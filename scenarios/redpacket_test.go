package scenarios_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
)

type opResp struct {
	client.Response
	AuthNo      string `json:"auth_no"`
	OperationID string `json:"operation_id"`
	Amount      string `json:"amount"`
	Status      string `json:"status"`
}

func (e *env) fund(method string, biz map[string]string) (*opResp, error) {
	var out opResp
	err := e.c.Do(e.ctx, method, biz, &out)
	return &out, err
}

func (e *env) packet(ref string) map[string]any {
	e.t.Helper()
	var m map[string]any
	if err := json.Unmarshal(e.control("GET", "/red-packets/"+ref, "", 200), &m); err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (e *env) agreementPay(out, amt string) *opResp {
	e.t.Helper()
	r, err := e.fund("alipay.fund.coupon.order.agreement.pay", map[string]string{"out_order_no": out, "out_request_no": out + "-pay",
		"order_title": "红包", "amount": amt, "payer_user_id": "2088000000000007"})
	if err != nil || r.Status != "SUCCESS" {
		e.t.Fatalf("agreement pay: %+v %v", r, err)
	}
	return r
}

// docs/red-packets.md, 20000 on a claim: the retry with the same numbers tells the
// outcome and the payee is paid once.
func TestRedPacketClaimUnknown(t *testing.T) {
	e := newEnv(t, mock.Options{}).certApp()
	p := e.agreementPay("RPK-1", "10.00")
	claim := map[string]string{"out_order_no": "CLAIM-1", "out_request_no": "CLAIM-LOST-1", "deduct_auth_no": p.AuthNo,
		"amount": "3.00", "payee_user_id": "2088000000000008", "order_title": "领取"}
	if _, err := e.fund("alipay.fund.coupon.order.disburse", claim); code(err) != "20000 isp.unknow-error" {
		t.Fatalf("first claim: %v", err)
	}
	r, err := e.fund("alipay.fund.coupon.order.disburse", claim)
	if err != nil || r.Status != "SUCCESS" || r.Amount != "3.00" {
		t.Fatalf("retry: %+v %v", r, err)
	}
	if rest := e.packet(p.AuthNo)["rest_amount"]; rest != "7.00" {
		t.Errorf("paid once: rest %v", rest)
	}
}

// docs/red-packets.md, 10003 on a refund: processing; the query says SUCCESS.
func TestRedPacketProcessing(t *testing.T) {
	e := newEnv(t, mock.Options{}).certApp()
	p := e.agreementPay("RPK-2", "10.00")
	r, err := e.fund("alipay.fund.coupon.order.refund", map[string]string{"auth_no": p.AuthNo, "out_request_no": "SLOWREFUND-1", "amount": "10.00"})
	if err != nil || r.Code != "10003" || r.Status != "INIT" {
		t.Fatalf("refund: %+v %v", r, err)
	}
	q, err := e.fund("alipay.fund.coupon.operation.query", map[string]string{"auth_no": p.AuthNo, "operation_id": r.OperationID})
	if err != nil || q.Status != "SUCCESS" || q.Amount != "10.00" {
		t.Fatalf("query: %+v %v", q, err)
	}
	pk := e.packet(p.AuthNo)
	if pk["status"] != "FINISH" || len(pk["operations"].([]any)) != 2 {
		t.Errorf("refunded once: %v", pk)
	}
}

// docs/red-packets.md, app pay: the sender pays in the Alipay app 30 s later.
func TestRedPacketSenderPaysOnTheClock(t *testing.T) {
	e := newEnv(t, mock.Options{}).certApp()
	// The order string the merchant's app hands to the Alipay app.
	order, err := e.c.CouponAppPayOrderString(client.CouponAppPayRequest{CouponOrder: client.CouponOrder{
		OutOrderNo: "RP-AUTO-1", OutRequestNo: "RP-AUTO-1-pay", OrderTitle: "红包", Amount: amount.MustParse("8.88")}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"order_string": order})
	e.control("POST", "/app-pay", string(body), http.StatusOK)
	if st := e.packet("RP-AUTO-1")["status"]; st != "INIT" {
		t.Fatalf("before: %v", st)
	}
	e.advance(30 * time.Second)
	pk := e.packet("RP-AUTO-1")
	if pk["status"] != "AUTHORIZED" || pk["rest_amount"] != "8.88" {
		t.Fatalf("after 30 s: %v", pk)
	}
	if !strings.HasPrefix(pk["auth_no"].(string), "20261123") {
		t.Errorf("auth_no %v", pk["auth_no"])
	}
}
