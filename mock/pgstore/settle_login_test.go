package pgstore_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// With replicas, a receiver bound by logon on one is paid by that logon on
// another (the logon matched without case), and settle.query gives its
// type back; a split to the trade's own seller is refused on either and
// leaves the balance as it was.
func TestReplicasSettleToALoginNameAndNeverToTheSeller(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	paid := rs[0].Call("alipay.trade.pay", `{"out_trade_no":"LOGR","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`)
	if paid["code"] != "10000" {
		t.Fatalf("pay: %v", paid)
	}
	tradeNo := paid["trade_no"].(string)
	if r := rs[0].Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"BLOGR","receiver_list":[{"type":"loginName","account":"receiver@example.com","name":"张三"}]}`); r["code"] != "10000" {
		t.Fatalf("bind: %v", r)
	}
	if r := rs[1].Call("alipay.trade.order.settle", `{"out_request_no":"LOGR1","trade_no":"`+tradeNo+
		`","royalty_parameters":[{"trans_in_type":"loginName","trans_in":"Receiver@Example.com","amount":"1.00"}]}`); r["code"] != "10000" {
		t.Fatalf("settle to the logon bound on the other replica: %v", r)
	}
	q := rs[0].Call("alipay.trade.order.settle.query", `{"trade_no":"`+tradeNo+`","out_request_no":"LOGR1"}`)
	l, _ := q["royalty_detail_list"].([]any)
	if len(l) != 1 {
		t.Fatalf("settle.query: %v", q)
	}
	if d := l[0].(map[string]any); d["trans_in_type"] != "loginName" || d["trans_in"] != "Receiver@Example.com" || d["amount"] != "1.00" {
		t.Errorf("detail %v, want the logon as named, loginName, 1.00", d)
	}

	var trade struct {
		Seller struct {
			SellerID string `json:"seller_id"`
		} `json:"seller"`
	}
	rs[1].ControlJSON(http.MethodGet, "/trades/LOGR", nil, http.StatusOK, &trade)
	seller := trade.Seller.SellerID
	balance := func() string {
		var b struct {
			Available string `json:"available_amount"`
		}
		rs[0].ControlJSON(http.MethodGet, "/apps/"+keys.DevAppID+"/balance", nil, http.StatusOK, &b)
		return b.Available
	}
	before := balance()
	rs[0].Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"BSELF","receiver_list":[{"type":"userId","account":"`+seller+`"}]}`)
	r := rs[1].Call("alipay.trade.order.settle", `{"out_request_no":"LOGR2","trade_no":"`+tradeNo+
		`","royalty_parameters":[{"trans_in":"`+seller+`","amount":"1.00"}]}`)
	if r["sub_code"] != "ACQ.INVALID_PARAMETER" {
		t.Errorf("a split to the seller's own account: %v", r)
	}
	if after := balance(); after != before {
		t.Errorf("the seller's balance moved from %s to %s", before, after)
	}
}
