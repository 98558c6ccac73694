package mock_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/store"
)

// One red packet cannot be made to grow without end: at most
// coupon.MaxClaims claims and coupon.MaxRefunds refunds, the call past
// either answering INVALID_PARAMETER, while repeats of operations already
// made are still answered and Alipay's own automatic return still comes.
// Each claim and refund grew the packet's record, which every call
// re-encoded and --data wrote whole.
func TestOneRedPacketStaysBounded(t *testing.T) {
	dir := t.TempDir()
	m := mocktest.New(t, mock.Options{DataDir: dir}).CertApp()
	const (
		pay      = "alipay.fund.coupon.order.agreement.pay"
		disburse = "alipay.fund.coupon.order.disburse"
		refund   = "alipay.fund.coupon.order.refund"
		query    = "alipay.fund.coupon.operation.query"
	)
	p := m.Call(pay, `{"out_order_no":"RPB","out_request_no":"pay","order_title":"红包","amount":"10.00","payer_user_id":"2088102000000001"}`)
	expect(t, p, "code", "10000", "status", "SUCCESS")
	authNo, _ := p["auth_no"].(string)
	claim := func(i int) string {
		return `{"out_order_no":"RPB-C` + strconv.Itoa(i) + `","out_request_no":"1","deduct_auth_no":"` + authNo +
			`","amount":"0.01","payee_user_id":"2088102000000101"}`
	}
	ret := func(i int) string {
		return `{"auth_no":"` + authNo + `","out_request_no":"R` + strconv.Itoa(i) + `","amount":"0.01"}`
	}

	first := m.Call(disburse, claim(1))
	expect(t, first, "code", "10000", "status", "SUCCESS")
	for i := 2; i <= coupon.MaxClaims; i++ {
		expect(t, m.Call(disburse, claim(i)), "code", "10000")
	}
	expect(t, m.Call(disburse, claim(coupon.MaxClaims+1)), "code", "40004", "sub_code", "INVALID_PARAMETER",
		"sub_msg", "参数有误：红包领取次数超过上限")
	again := m.Call(disburse, claim(1))
	expect(t, again, "code", "10000", "status", "SUCCESS", "operation_id", first["operation_id"].(string))

	firstRefund := m.Call(refund, ret(1))
	expect(t, firstRefund, "code", "10000", "status", "SUCCESS")
	for i := 2; i <= coupon.MaxRefunds; i++ {
		expect(t, m.Call(refund, ret(i)), "code", "10000")
	}
	expect(t, m.Call(refund, ret(coupon.MaxRefunds+1)), "code", "40004", "sub_code", "INVALID_PARAMETER",
		"sub_msg", "参数有误：红包退回次数超过上限")
	expect(t, m.Call(refund, ret(1)), "code", "10000", "operation_id", firstRefund["operation_id"].(string))
	expect(t, m.Call(query, `{"out_order_no":"RPB","out_request_no":"R1"}`), "code", "10000", "operation_type", "REFUND")
	// Money is left (10.00 - 1.00 claimed - 0.99 refunded): Alipay returns
	// it when the refund period ends, past the merchant's bound.
	m.Advance("48h")

	var got struct {
		Status     string `json:"status"`
		Rest       string `json:"rest_amount"`
		Operations []struct {
			Type string `json:"operation_type"`
			Auto bool   `json:"auto"`
		} `json:"operations"`
		History []struct {
			Type string `json:"type"`
		} `json:"history"`
	}
	m.ControlJSON(http.MethodGet, "/red-packets/"+authNo, nil, http.StatusOK, &got)
	if got.Status != "FINISH" || got.Rest != "0.00" {
		t.Errorf("after 48 h: %s, rest %s", got.Status, got.Rest)
	}
	bounded := func(where string, ops []coupon.Operation, history []coupon.Event) {
		t.Helper()
		kinds := map[string]int{}
		for _, op := range ops {
			if op.Auto {
				kinds["auto"]++
			} else {
				kinds[string(op.Type)]++
			}
		}
		events := map[string]int{}
		for _, e := range history {
			events[e.Type]++
		}
		if kinds["PAY"] != 1 || kinds["REFUND"] != coupon.MaxRefunds || kinds["auto"] != 1 ||
			events[coupon.EventClaimed] != coupon.MaxClaims || events[coupon.EventRefunded] != coupon.MaxRefunds+1 {
			t.Errorf("%s: operations %v, events %v", where, kinds, events)
		}
	}
	var ops []coupon.Operation
	for _, op := range got.Operations {
		ops = append(ops, coupon.Operation{Type: coupon.OpType(op.Type), Auto: op.Auto})
	}
	var hist []coupon.Event
	for _, e := range got.History {
		hist = append(hist, coupon.Event{Type: e.Type})
	}
	bounded("control API", ops, hist)

	// --data stored the bounded packet.
	if err := m.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	orders, err := db.Orders()
	if err := errors.Join(err, db.Close()); err != nil {
		t.Fatal(err)
	}
	claims := 0
	for _, o := range orders {
		switch {
		case o.AuthNo == authNo:
			bounded("--data", o.Operations, o.History)
		case o.Claim && o.DeductAuthNo == authNo:
			claims++
		}
	}
	if claims != coupon.MaxClaims {
		t.Errorf("--data keeps %d claims of the packet, want %d", claims, coupon.MaxClaims)
	}
}
