package pgstore_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// The 30% cap of a trade's settlements holds across replicas: what one
// replica settled counts on another.
func TestReplicasCapSettlementsAtThirtyPercent(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	paid := rs[0].Call("alipay.trade.pay", `{"out_trade_no":"CAPR","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`)
	rs[0].Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"BCAPR","receiver_list":[{"type":"userId","account":"2088000000000002"}]}`)
	settle := func(i int, no, amt string) map[string]any {
		return rs[i].Call("alipay.trade.order.settle", `{"out_request_no":"`+no+`","trade_no":"`+paid["trade_no"].(string)+
			`","royalty_parameters":[{"trans_in":"2088000000000002","amount":"`+amt+`"}]}`)
	}
	if r := settle(0, "CAPR1", "2.50"); r["code"] != "10000" {
		t.Fatalf("2.50 of 10.00: %v", r)
	}
	if r := settle(1, "CAPR2", "0.51"); r["sub_code"] != "ACQ.ALLOC_AMOUNT_VALIDATE_ERROR" {
		t.Errorf("0.51 more on another replica (3.01, past 30%%): %v", r)
	}
	if r := settle(1, "CAPR3", "0.50"); r["code"] != "10000" {
		t.Errorf("0.50 more on another replica (3.00): %v", r)
	}
}
